#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    char *p = malloc(64);
    double d = 1.5;
    strcpy(p, "musl");
    printf("Hello, world! (tcc %d, %s, %g, argc=%d, built %s %s)\n",
           __TINYC__, p, d * 2, argc, __DATE__, __TIME__);
    free(p);
    return 0;
}
