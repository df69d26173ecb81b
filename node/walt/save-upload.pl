#!/usr/bin/perl
# save-upload.pl <id> <secret>: see save-upload. Runs GNU tar over the overlay upper dir and streams its
# output to POST $WALT_API/saves/<id>?secret=<secret> as chunked HTTP/1.1, never holding it whole. A
# tar that fails (status 2 and up, or killed) cuts the upload without its last chunk, so the agent
# never takes a partial tar for the node's change. Status 1 ("file changed as we read it", usual on a
# running system) is kept: the node is saved while it runs. Only perl-base modules.
use strict;
use warnings;
use IO::Socket::INET;

$SIG{PIPE} = 'IGNORE';

sub fail {
    my ($status, $message) = @_;
    print "save-upload: $message\n";
    exit $status;
}

my ($id, $secret) = @ARGV;
defined $secret && $id =~ /^[0-9a-f]{1,64}$/ && $secret =~ /^[0-9a-f]{32,128}$/
    or fail(2, 'usage: save-upload <id> <secret> (the agent runs it)');
my $api = $ENV{WALT_API} // '';
my ($host, $port, $path) = $api =~ m{^http://([^/:]+)(?::(\d+))?(/\S*)$}
    or fail(2, "WALT_API ($api) is not http://<server>/api/v1/nodes/<node>: run me from walt-command-loop");
$port //= 80;
my $upper = ($ENV{WALT_RUN_DIR} // '/run/walt') . '/upper';
-d $upper or fail(3, "no overlay upper dir at $upper: the node must boot through /walt/init in network mode");

# Left out on the node already (the agent leaves them out again): RAM mounts, /persist, the NFS root.
my @exclude = map { "--exclude=./$_" } qw(persist run tmp proc sys dev walt mnt/nfsroot);
my @tar = ('tar', '-C', $upper, '--xattrs', '--xattrs-include=trusted.overlay.*',
    '--xattrs-include=user.overlay.*', '--numeric-owner', '-cf', '-', @exclude, '.');
open(my $tar, '-|', @tar) or fail(3, "cannot run tar: $!");
binmode $tar;

my $sock = IO::Socket::INET->new(PeerAddr => $host, PeerPort => $port, Proto => 'tcp', Timeout => 30)
    or fail(4, "cannot reach the agent at $host:$port: $@");
binmode $sock;
$sock->autoflush(0);
print {$sock} "POST $path/saves/$id?secret=$secret HTTP/1.1\r\nHost: $host:$port\r\n"
    . "Content-Type: application/x-tar\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";

my ($buf, $sent, $broken) = ('', 0, 0);
while (1) {
    my $n = sysread($tar, $buf, 65536);
    fail(5, "reading tar's output: $!") unless defined $n;
    last if $n == 0;
    unless (print {$sock} sprintf("%x\r\n", $n), $buf, "\r\n") { $broken = 1; last; }
    $sent += $n;
}
close($tar);
my $tar_status = $? >> 8;
if (!$broken && (($? & 127) || $tar_status > 1)) {
    close($sock);
    fail(5, "tar failed (status $tar_status, signal " . ($? & 127) . "): the upload was cut");
}
print {$sock} "0\r\n\r\n" unless $broken;
$sock->flush();

my $status_line = <$sock> // '';
my ($code) = $status_line =~ m{^HTTP/1\.[01] (\d{3})};
my $answer = '';
while (my $line = <$sock>) { $answer .= $line if length($answer) < 4096; }
close($sock);
if (defined $code && $code =~ /^2/) {
    print "save-upload: sent $sent bytes of tar\n";
    exit 0;
}
$answer =~ s/^.*?\r\n\r\n//s;
fail(2, 'the agent refused the upload (' . ($code // 'no answer') . "): $answer");
