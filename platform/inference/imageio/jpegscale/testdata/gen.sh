#!/bin/sh
# Regenerates the test JPEGs with libjpeg-turbo's cjpeg (libjpeg-turbo-progs).
set -e
cd "$(dirname "$0")"
ppm=$(mktemp --suffix .ppm)
(cd .. && go test -count=1 -run TestWritePPM . -args -write-ppm "$ppm")
cjpeg -quality 85 -sample 1x1 "$ppm" > s444.jpg
cjpeg -quality 85 -sample 2x1 "$ppm" > s422.jpg
cjpeg -quality 85 -sample 1x2 "$ppm" > s440.jpg
cjpeg -quality 85 -grayscale "$ppm" > gray.jpg
cjpeg -quality 85 -sample 2x2 -restart 3B "$ppm" > rst420.jpg
cjpeg -quality 85 -sample 2x2 -progressive "$ppm" > prog420.jpg
cjpeg -quality 85 -sample 1x1 -progressive "$ppm" > prog444.jpg
cjpeg -quality 85 -grayscale -progressive "$ppm" > proggray.jpg
# Lossless transcode: same coefficients as s422.jpg, which image/jpeg (that
# rejects progressive restart intervals) can decode as the reference.
jpegtran -progressive -restart 2B s422.jpg > progrst.jpg
cjpeg -quality 85 -rgb "$ppm" > adobergb.jpg
cjpeg -quality 85 -sample 4x1 "$ppm" > s411.jpg
# Sequential (SOF0) but one scan per component, which needs the coefficient store.
scans=$(mktemp)
printf '0;\n1;\n2;\n' > "$scans"
cjpeg -quality 85 -scans "$scans" "$ppm" > multiscan.jpg
rm -f "$scans"

# A large progressive file that still compresses small: a smooth 1600x1200
# gradient, for the memory test.
python3 -c "
import math
w, h = 1600, 1200
out = bytearray(b'P6\n%d %d\n255\n' % (w, h))
for y in range(h):
    for x in range(w):
        out += bytes((int(128 + 100*math.sin(x/150 + y/310)), int(255*y/h), int(60 + 120*x*y/(w*h))))
open('$ppm', 'wb').write(out)
"
cjpeg -quality 50 -progressive -smooth 20 "$ppm" > big_prog420.jpg
rm -f "$ppm"
