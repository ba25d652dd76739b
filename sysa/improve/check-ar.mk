# The Makefile of check-ar.kaem: libtwice.a is updated member by member
# through make's built-in (%): % rule, i.e. `$(AR) $(ARFLAGS) $@ $<`.
vpath %.c $(SRCDIR)

greet-ar: greet.o libtwice.a
	$(CC) -o $@ greet.o -L. -ltwice

libtwice.a: libtwice.a(twice.o)

%.o: %.c
	$(CC) -c -DFACTOR=2 $< -o $@
