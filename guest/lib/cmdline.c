#include "cmdline.h"
#include "string.h"
#include "types.h"

int cmdline_choice(const struct multiboot_info *mbi, const char *const *words, int n)
{
    if (!(mbi->flags & MBI_CMDLINE) || !mbi->cmdline) return -1;
    const char *s = (const char *)(uptr)mbi->cmdline;
    int choice = -1;
    char word[32];
    while (*s) {
        while (*s == ' ')
            s++;
        u32 len = 0;
        while (*s && *s != ' ') {
            if (len < sizeof(word) - 1) word[len++] = *s;
            s++;
        }
        word[len] = 0;
        for (int i = 0; i < n; i++)
            if (!strcmp(word, words[i])) choice = i;
    }
    return choice;
}
