#!/bin/sh
# Make the test PKI for the sync tests in DIR (created):
#   ca.pem                   test CA the kiosk trusts (sync.ca_file)
#   server.pem/.key          server cert for 127.0.0.1 and localhost, from ca
#   expired.pem/.key         same names, from ca, expired yesterday
#   wronghost.pem/.key       from ca, but only for wrong.example.org
#   other.pem/.key           right names, from another CA (other-ca.pem)
#   client.pem/.key          client certificate from ca (mutual TLS)
#   server.pin               sha256//<base64> of server.pem's public key
#   other.pin                the same for a key the server does not have
# Usage: mkcerts.sh DIR
set -eu
dir=${1:?usage: mkcerts.sh DIR}
mkdir -p "$dir"
cd "$dir"
umask 077

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

ca() { # name subject
	key "$1.key"
	openssl req -x509 -new -key "$1.key" -subj "/CN=$2" -days 30 -sha256 \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" -out "$1.pem" 2>/dev/null
}

# leaf NAME CA SAN EXTKEYUSAGE [STARTDATE ENDDATE]: signed with `openssl ca`
# so the validity window can lie in the past.
leaf() {
	name=$1 caname=$2 san=$3 eku=$4
	key "$name.key"
	openssl req -new -key "$name.key" -subj "/CN=$name" -out "$name.csr" 2>/dev/null
	mkdir -p "db-$caname"
	[ -f "db-$caname/index.txt" ] || : >"db-$caname/index.txt"
	[ -f "db-$caname/serial" ] || echo 1000 >"db-$caname/serial"
	cat >"$name.cnf" <<-EOF
	[ca]
	default_ca = test
	[test]
	database = db-$caname/index.txt
	serial = db-$caname/serial
	new_certs_dir = db-$caname
	certificate = $caname.pem
	private_key = $caname.key
	default_md = sha256
	policy = any
	unique_subject = no
	copy_extensions = none
	x509_extensions = ext
	[any]
	commonName = supplied
	[ext]
	basicConstraints = critical,CA:FALSE
	keyUsage = critical,digitalSignature
	extendedKeyUsage = $eku
	subjectAltName = $san
	EOF
	if [ $# -ge 6 ]; then
		dates="-startdate $5 -enddate $6"
	else
		dates="-days 30"
	fi
	# shellcheck disable=SC2086
	openssl ca -batch -notext -config "$name.cnf" $dates -in "$name.csr" -out "$name.pem" \
		2>/dev/null
	rm -f "$name.csr" "$name.cnf"
}

pin() {
	printf 'sha256//%s\n' "$(openssl pkey -in "$1" -pubout -outform DER 2>/dev/null |
		openssl dgst -sha256 -binary | base64)"
}

names="DNS:localhost,IP:127.0.0.1"
ca ca "Kiosk Test CA"
ca other-ca "Another CA"
leaf server ca "$names" serverAuth
leaf expired ca "$names" serverAuth \
	"$(date -u -d '-3 days' +%Y%m%d%H%M%SZ)" "$(date -u -d '-1 day' +%Y%m%d%H%M%SZ)"
leaf wronghost ca "DNS:wrong.example.org" serverAuth
leaf other other-ca "$names" serverAuth
leaf client ca "DNS:kiosk-client" clientAuth
pin server.key >server.pin
pin other.key >other.pin
chmod 644 ./*.pem ./*.pin
