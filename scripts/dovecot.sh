#!/usr/bin/env bash
# Start or stop a private dovecot (Debian's dovecot-imapd) for the test suite: everything in DIR, nothing
# in /etc, /var or /run. IMAP with STARTTLS listens on 127.0.0.1:PORT and IMAPS on 127.0.0.1:PORT+1, both
# with a server certificate from a private CA made here (DIR/ca.crt; DIR/other-ca.crt is an unrelated CA,
# for the "wrong certificate" tests). The user conduct@example.org has its Maildir in DIR/mail;
# berichte@example.org, with a password beyond ASCII, in DIR/mail-other.
# DIR/server.json tells the tests all of that (spaces/email/tests/dovecot.py reads it).
#
# As root (CI), dovecot's own processes run as the package's dovecot/dovenull users and the mailbox as
# nobody: dovecot refuses mail access as root. As any other user, everything runs as that user.
set -euo pipefail
action=$1 dir=${2:?the scratch directory} port=${3:?the STARTTLS port}
PATH=$PATH:/usr/sbin  # where Debian puts dovecot, not in every user's PATH
imaps_port=$((port + 1))
user=conduct@example.org password=steward-test-password
other_user=berichte@example.org other_password='Grüße-steward'  # a password beyond ASCII, as people choose them

stop() {
  if [ -f "$dir/run/master.pid" ]; then
    pid=$(cat "$dir/run/master.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
}

certificates() {
  local subject=/CN=Steward test CA
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "$subject" -keyout "$dir/ca.key" -out "$dir/ca.crt" 2>/dev/null
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=Some other CA" -keyout "$dir/other-ca.key" -out "$dir/other-ca.crt" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj /CN=localhost -keyout "$dir/server.key" -out "$dir/server.csr" 2>/dev/null
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$dir/server.ext"
  openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial -days 3650 \
    -extfile "$dir/server.ext" -out "$dir/server.crt" 2>/dev/null
}

configure() {
  local me group mail_uid mail_gid internal login
  me=$(id -un) group=$(id -gn)
  if [ "$(id -u)" = 0 ]; then
    internal=dovecot login=dovenull mail_uid=$(id -u nobody) mail_gid=$(id -g nobody)
    chown -R nobody:"$(id -gn nobody)" "$dir/mail" "$dir/mail-other"
    chmod 755 "$dir"
  else
    internal=$me login=$me mail_uid=$(id -u) mail_gid=$(id -g)
  fi
  printf '%s:{PLAIN}%s:%s:%s::%s\n' "$user" "$password" "$mail_uid" "$mail_gid" "$dir/mail" \
    "$other_user" "$other_password" "$mail_uid" "$mail_gid" "$dir/mail-other" >"$dir/users"
  cat >"$dir/dovecot.conf" <<EOF
# Written by scripts/dovecot.sh for the tests; started with dovecot -c this file.
base_dir = $dir/run
state_dir = $dir/state
instance_name = steward-test-$port
log_path = $dir/dovecot.log
info_log_path = $dir/dovecot.log
protocols = imap
listen = 127.0.0.1
default_internal_user = $internal
default_internal_group = $( [ "$(id -u)" = 0 ] && echo dovecot || echo "$group")
default_login_user = $login
first_valid_uid = 1
ssl = yes
ssl_cert = <$dir/server.crt
ssl_key = <$dir/server.key
ssl_min_protocol = TLSv1.2
auth_mechanisms = plain login
passdb {
  driver = passwd-file
  args = $dir/users
}
userdb {
  driver = passwd-file
  args = $dir/users
}
mail_location = maildir:~/Maildir
namespace inbox {
  inbox = yes
  separator = /
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = $port
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $imaps_port
    ssl = yes
  }
}
# chroot needs root; it guards nothing in a test server.
service anvil {
  chroot =
}
service stats {
  unix_listener stats-writer {
    mode = 0666
  }
}
EOF
  cat >"$dir/server.json" <<EOF
{"host": "127.0.0.1", "starttls_port": $port, "imaps_port": $imaps_port, "user": "$user", "password": "$password",
 "other_user": "$other_user", "other_password": "$other_password",
 "ca_file": "$dir/ca.crt", "other_ca_file": "$dir/other-ca.crt", "log": "$dir/dovecot.log", "maildir": "$dir/mail/Maildir"}
EOF
}

case "$action" in
start)
  command -v dovecot >/dev/null || { echo "dovecot is not installed (Debian: apt-get install dovecot-imapd)" >&2; exit 3; }
  if [ -f "$dir/run/master.pid" ] && kill -0 "$(cat "$dir/run/master.pid")" 2>/dev/null; then exit 0; fi
  rm -rf "$dir/mail" "$dir/mail-other"  # every test run starts with empty mailboxes
  mkdir -p "$dir/run" "$dir/state" "$dir/mail" "$dir/mail-other"
  [ -f "$dir/server.crt" ] || certificates
  configure
  # Its output to the log: the daemon would otherwise hold the caller's stdout open after this script ends.
  dovecot -c "$dir/dovecot.conf" </dev/null >>"$dir/dovecot.log" 2>&1
  # Ready when both ports answer.
  for _ in $(seq 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && (exec 3<>"/dev/tcp/127.0.0.1/$imaps_port") 2>/dev/null; then exit 0; fi
    sleep 0.1
  done
  echo "dovecot did not start; see $dir/dovecot.log" >&2
  tail -n 20 "$dir/dovecot.log" >&2 || true
  exit 1
  ;;
stop)
  stop
  ;;
*)
  echo "usage: $0 start|stop DIR PORT" >&2
  exit 2
  ;;
esac
