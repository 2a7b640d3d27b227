/* import_volunteers: `paidan import volunteers FILE.csv` — registers many volunteers at once, all or nothing. */
#ifndef PAIDAN_IMPORT_VOLUNTEERS_H
#define PAIDAN_IMPORT_VOLUNTEERS_H

/* argv holds the words after "import volunteers": the file and settings (--database-url,
 * --id-key-file). Checks every line first; with any bad line, writes each problem to standard error
 * as "line N: field: problem" and imports nothing (exit 1); else imports every line in one
 * transaction and prints "imported N volunteers". Returns the exit code (2 for usage errors). */
int import_volunteers_main(int argc, char **argv);

#endif
