# The warning flags every target of ours is built with, kernel and host alike.
set(L4_WARNING_FLAGS
  -Wall -Wextra -Werror
  -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wpointer-arith
  -Wundef -Wvla -Wno-unused-parameter)
