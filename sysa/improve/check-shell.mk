# Recipes with shell syntax (redirection, ;, $$, quotes): make runs them
# through /bin/sh.
made.txt:
	echo "made by sh" > $@; i=0; while [ $$i -lt 2 ]; do i=$$((i+1)); echo "loop $$i" >> $@; done
