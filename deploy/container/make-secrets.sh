#!/bin/sh
# Write the secrets compose.yaml reads (./secrets/, or the directory given), once: an existing file is kept,
# so running it again never replaces a key that encrypted data. Back the directory up somewhere safe and
# separate from the database backups (docs/operations.md, "Keys"): without encryption_keys a backup is unreadable.
#
# The directory is private to its owner (0700). The files in it are readable by all (0644) because compose
# mounts each file into the containers as it is, and the containers' own users (steward, postgres) must read it.
set -eu
dir="${1:-secrets}"
umask 077
mkdir -p "$dir/tls"
chmod 700 "$dir"
random() { python3 -c 'import secrets; print(secrets.token_urlsafe(48))'; }
write() {  # write NAME VALUE-COMMAND...
    name="$1"; shift
    if [ -s "$dir/$name" ]; then echo "kept    $dir/$name"; return; fi
    "$@" > "$dir/$name"
    chmod 644 "$dir/$name"
    echo "wrote   $dir/$name"
}
fernet() {
    python3 -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())'
}
audit_key() { python3 -c 'import secrets, datetime; print(f"{datetime.date.today().year}:" + secrets.token_urlsafe(32))'; }
write db_password random
write secret_key random
write encryption_keys fernet
write index_key random
write audit_keys audit_key
if [ ! -s "$dir/tls/fullchain.pem" ]; then
    host="$(python3 -c 'import os, urllib.parse; print(urllib.parse.urlsplit(os.environ.get("SITE_URL", "https://localhost")).hostname or "localhost")')"
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=$host" -addext "subjectAltName=DNS:$host" \
        -keyout "$dir/tls/privkey.pem" -out "$dir/tls/fullchain.pem" 2>/dev/null
    chmod 644 "$dir/tls/privkey.pem" "$dir/tls/fullchain.pem"
    echo "wrote   $dir/tls/ (a self-signed certificate for $host, valid 30 days: replace it with a real one)"
fi
