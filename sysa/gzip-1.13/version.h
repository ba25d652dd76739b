/* What gzip's Makefile would generate: the version string gzip -V prints. */
extern char const *Version;
