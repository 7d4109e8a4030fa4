import os, sys
from PIL import Image
src, dst, w, h, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
classes = sorted(os.listdir(src))
files = [(c, f) for c in classes for f in sorted(os.listdir(os.path.join(src, c)))]
step = max(1, len(files) // n)
for c, f in files[::step][:n]:
    os.makedirs(os.path.join(dst, c), exist_ok=True)
    im = Image.open(os.path.join(src, c, f)).convert("RGB").resize((w, h), Image.BICUBIC)
    im.save(os.path.join(dst, c, os.path.splitext(f)[0] + ".jpg"), quality=90)
