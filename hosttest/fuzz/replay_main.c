/*
 * Replays fuzz inputs without libFuzzer: every file named on the command
 * line (directories: every file in them) runs once through
 * LLVMFuzzerTestOneInput. The host test `fuzz_corpus` runs the seed corpus
 * and the regression inputs this way under every preset (gcc, clang, asan,
 * coverage); a failing input aborts with the fuzzer's message.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Run one file; returns 1 if it was run. */
static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        exit(2);
    }
    static uint8_t buf[1 << 20];
    size_t n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    LLVMFuzzerTestOneInput(buf, n);
    return 1;
}

/* Run `path` (a file or every regular file of a directory, sorted). */
static int replay_path(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        perror(path);
        exit(2);
    }
    if (!S_ISDIR(st.st_mode))
        return replay_file(path);
    struct dirent **names;
    int n = scandir(path, &names, NULL, alphasort), runs = 0;
    for (int i = 0; i < n; i++) {
        char full[4096];
        snprintf(full, sizeof(full), "%s/%s", path, names[i]->d_name);
        if (names[i]->d_name[0] != '.' && stat(full, &st) == 0 && S_ISREG(st.st_mode))
            runs += replay_file(full);
        free(names[i]);
    }
    free(names);
    return runs;
}

int main(int argc, char **argv)
{
    int runs = 0;
    for (int i = 1; i < argc; i++)
        runs += replay_path(argv[i]);
    printf("replayed %d fuzz inputs, all clean\n", runs);
    return runs > 0 ? 0 : 1;
}
