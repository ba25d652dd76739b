#include <stdio.h>

int twice(int);

int main(void)
{
    printf("made by make: twice(21) = %d\n", twice(21));
    return 0;
}
