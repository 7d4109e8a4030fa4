"""The reference stack classifying a folder end to end (PIL decode, resize,
batch-32 inference), as ../shared/bench/eval_speed.py, for any architecture
in models.py.

usage: python3 eval_speed.py DIR [ARCH] [SIZE]   -> prints images/s
"""
import os, sys, time, torch
from PIL import Image
from torchvision import transforms
from models import named

d = sys.argv[1]
arch = sys.argv[2] if len(sys.argv) > 2 else "smallcnn"
size = int(sys.argv[3]) if len(sys.argv) > 3 else 64
torch.set_num_threads(2)
m = named(arch, size).eval()
prep = transforms.Compose([transforms.Resize((size, size)), transforms.ToTensor(), transforms.Normalize([0.5] * 3, [0.25] * 3)])
files = [os.path.join(d, c, f) for c in sorted(os.listdir(d)) for f in sorted(os.listdir(os.path.join(d, c)))]
t = time.perf_counter()
with torch.no_grad():
    for i in range(0, len(files), 32):
        x = torch.stack([prep(Image.open(f).convert("RGB")) for f in files[i:i + 32]])
        m(x).argmax(1)
dt = time.perf_counter() - t
print(f"torch {arch}{size} images {len(files)} seconds {dt:.2f} ips {len(files) / dt:.1f}")
