#include "report.h"
#include "exit.h"
#include "printf.h"

int report_failures;
int report_checks;

void pass(const char *name)
{
    report_checks++;
    printf("PASS %s\n", name);
}

void fail(const char *name, const char *fmt, ...)
{
    char why[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    report_checks++;
    report_failures++;
    printf("FAIL %s: %s\n", name, why);
}

int check(const char *name, int cond)
{
    if (cond)
        pass(name);
    else
        fail(name, "condition false");
    return cond;
}

int check_eq(const char *name, u64 got, u64 want)
{
    if (got == want) {
        pass(name);
        return 1;
    }
    fail(name, "got 0x%llx want 0x%llx", (unsigned long long)got, (unsigned long long)want);
    return 0;
}

void report_done(void)
{
    printf("END\n");
    vp_exit(report_failures ? 1 : 0);
}
