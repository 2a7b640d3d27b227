/* socket_activation: the listening socket systemd hands over (sd_listen_fds protocol, LISTEN_FDS/LISTEN_PID). */
#ifndef PAIDAN_SOCKET_ACTIVATION_H
#define PAIDAN_SOCKET_ACTIVATION_H

#include <sys/types.h>

/* The first descriptor systemd passes (SD_LISTEN_FDS_START). */
#define SOCKET_ACTIVATION_FIRST_FD 3

/* How many descriptors the variables pass to the process self: LISTEN_PID must name self and
 * LISTEN_FDS be a count from 1 to 64; anything else (unset, another process's, malformed) is 0.
 * Pure; for tests. */
int socket_activation_count(const char *listen_pid, const char *listen_fds, pid_t self);

/* Reads and unsets LISTEN_PID/LISTEN_FDS/LISTEN_FDNAMES (so processes started later do not
 * take them) and remembers the passed listening socket, made non-blocking and close-on-exec.
 * Call once, before forking workers. Returns the descriptor, or -1 when none was passed; logs
 * and returns -1 when more than one was passed or the one passed is not a listening stream. */
int socket_activation_take(void);

/* The descriptor socket_activation_take kept, or -1. Forked workers share it: one accept queue. */
int socket_activation_fd(void);

#endif
