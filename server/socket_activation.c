/* socket_activation: parse the sd_listen_fds variables by hand (the protocol is two numbers; no libsystemd). */
#include "socket_activation.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"

#define MAX_PASSED_FDS 64

static int passed_fd = -1;

/* A decimal number from 1 to max, the whole string; else 0. */
static long
parse_positive(const char *text, long max)
{
	char *end;
	long value;

	if (text == NULL || *text < '0' || *text > '9')
		return 0;
	errno = 0;
	value = strtol(text, &end, 10);
	if (errno != 0 || *end != '\0' || value < 1 || value > max)
		return 0;
	return value;
}

int
socket_activation_count(const char *listen_pid, const char *listen_fds, pid_t self)
{
	if (parse_positive(listen_pid, INT_MAX) != (long)self)
		return 0;
	return (int)parse_positive(listen_fds, MAX_PASSED_FDS);
}

int
socket_activation_take(void)
{
	int count = socket_activation_count(getenv("LISTEN_PID"), getenv("LISTEN_FDS"), getpid());
	int fd = SOCKET_ACTIVATION_FIRST_FD, type = 0, listening = 0, flags;
	socklen_t len = sizeof type;

	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	if (count == 0)
		return -1;
	if (count > 1) {
		log_error("systemd passed more than one socket; paidan listens on one (check paidan.socket)");
		return -1;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 || type != SOCK_STREAM) {
		log_error("the socket systemd passed is not a stream socket");
		return -1;
	}
	len = sizeof listening;
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) < 0 || !listening) {
		log_error("the socket systemd passed is not listening");
		return -1;
	}
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
		log_error("cannot set up the socket systemd passed", "reason", strerror(errno));
		return -1;
	}
	passed_fd = fd;
	log_info("listening on the socket systemd passed");
	return fd;
}

int
socket_activation_fd(void)
{
	return passed_fd;
}
