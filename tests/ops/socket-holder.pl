#!/usr/bin/perl
# Holds a listening TCP socket the way systemd's paidan.socket does, and starts commands with it
# passed as descriptor 3 (LISTEN_FDS=1, LISTEN_PID = the command's pid), so two paidan processes
# can share one accept queue during an upgrade. Perl because Debian always has it.
#
#   socket-holder.pl HOST PORT        then write command lines on standard input; each is started
#                                     with /bin/sh -c and its pid printed on standard output.
# SO_REUSEPORT is set so the socket can join a port a release without socket activation holds.
use strict;
use warnings;
use Socket qw(PF_INET SOCK_STREAM SOL_SOCKET SO_REUSEADDR SOMAXCONN inet_aton pack_sockaddr_in);
use POSIX ();
use Fcntl qw(F_SETFD F_GETFD);

my ($host, $port) = @ARGV;
die "usage: socket-holder.pl HOST PORT\n" unless defined $port;
socket(my $listener, PF_INET, SOCK_STREAM, 0) or die "socket: $!";
setsockopt($listener, SOL_SOCKET, SO_REUSEADDR, 1) or die "SO_REUSEADDR: $!";
setsockopt($listener, SOL_SOCKET, 15, 1) or die "SO_REUSEPORT: $!"; # 15 = SO_REUSEPORT on Linux
bind($listener, pack_sockaddr_in($port, inet_aton($host))) or die "bind $host:$port: $!";
listen($listener, 1024) or die "listen: $!";
$| = 1;
$SIG{CHLD} = 'IGNORE';
print "ready\n";
while (my $line = <STDIN>) {
    chomp $line;
    next unless length $line;
    my $pid = fork() // die "fork: $!";
    if ($pid == 0) {
        POSIX::dup2(fileno($listener), 3) if fileno($listener) != 3;
        open(my $fd3, '+<&=', 3) or die "fd 3: $!";
        fcntl($fd3, F_SETFD, 0) or die "clear close-on-exec: $!";
        $ENV{LISTEN_FDS} = 1;
        $ENV{LISTEN_PID} = $$;
        exec('/bin/sh', '-c', "exec $line") or die "exec: $!";
    }
    print "$pid\n";
}
# Standard input closed: the socket goes with this process (the children keep their copies).
