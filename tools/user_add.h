/* user_add: `paidan user add` — makes an account from the command line (the first admin). */
#ifndef PAIDAN_USER_ADD_H
#define PAIDAN_USER_ADD_H

/* argv holds the words after "user add"; the password is read from standard input.
 * Returns the exit code. */
int user_add_main(int argc, char **argv);

#endif
