# The Makefile of check-make.kaem: make's default CC (`cc`, found in PATH),
# a pattern rule with automatic variables, vpath, a function, and -j.
vpath %.c $(SRCDIR)
SRCS = greet.c twice.c
OBJS = $(patsubst %.c,%.o,$(SRCS))

greet: $(OBJS)
	$(CC) -o $@ $^

%.o: %.c
	$(CC) -c -DFACTOR=2 $< -o $@
