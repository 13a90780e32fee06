#!/bin/sh
# voxoz sets PORT, VOXOZ_APP and VOXOZ_RELEASE for every replica.
set -e
sed -e "s/@RELEASE@/${VOXOZ_RELEASE:-0}/g" -e "s/@GREETING@/${GREETING:-hello}/g" /www/index.template.html > /www/index.html
echo "hello v${VOXOZ_RELEASE:-0} listening on 127.0.0.1:${PORT:-8080}"
exec httpd -f -v -p "127.0.0.1:${PORT:-8080}" -h /www
