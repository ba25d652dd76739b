/* A noreturn call in an operand that is never evaluated must not stop the
   compiler from compiling what follows (tcc-0006 patch): each function
   must return its argument plus its number. */
#include <stdio.h>
#include <stdlib.h>

_Noreturn void die(void);
void die(void) { abort(); }

int one(int x) { (void) (1 || (die(), 0)); return x + 1; }
int two(int x) { (void) sizeof (die(), 0); return x + 2; }
int three(int x) { (void) (0 && (exit(1), 0)); return x + 3; }
int four(int x) { (void) __builtin_choose_expr(1, 0, (die(), 0)); return x + 4; }

int main(void)
{
    printf("%d %d %d %d\n", one(0), two(0), three(0), four(0));
    return 0;
}
