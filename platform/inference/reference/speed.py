"""PyTorch inference and training speed for one architecture, as the Go
benchmarks measure it: batch-1 latency, batch-32 throughput (eval mode, no
grad), and training steps at batch 32 (forward, backward, Adam update).

usage: python3 speed.py ARCH [SIZE] [THREADS]   (ARCH: fishnet or smallcnn)
"""
import sys, time, torch
from models import named

arch = sys.argv[1]
size = int(sys.argv[2]) if len(sys.argv) > 2 else 64
torch.set_num_threads(int(sys.argv[3]) if len(sys.argv) > 3 else 2)
torch.manual_seed(0)


def median(f, reps):
    ts = []
    for _ in range(reps):
        t = time.perf_counter(); f(); ts.append(time.perf_counter() - t)
    ts.sort()
    return ts[len(ts) // 2]


m = named(arch, size).eval()
with torch.no_grad():
    for bs, reps in ((1, 300), (32, 40)):
        x = torch.randn(bs, 3, size, size)
        for _ in range(10):
            m(x)
        cpu0 = time.process_time()
        med = median(lambda: m(x), reps)
        # Per second of CPU time, all threads together (a spinning thread
        # pool counts): what stays comparable on a machine shared with other
        # work, like the Go benchmarks' img/cpu-s.
        cpu = time.process_time() - cpu0
        print(f"torch {torch.__version__} {arch}{size} infer batch={bs}: median {med*1e3:.3f} ms, {bs/med:.0f} img/s, {bs*reps/cpu:.0f} img/cpu-s")

m.train()
opt = torch.optim.Adam(m.parameters(), 1e-3)
lossf = torch.nn.CrossEntropyLoss()
x, y = torch.randn(32, 3, size, size), torch.randint(0, 23, (32,))


def step():
    opt.zero_grad(); lossf(m(x), y).backward(); opt.step()


for _ in range(5):
    step()
med = median(step, 40)
print(f"torch {torch.__version__} {arch}{size} train batch=32: median {med*1e3:.3f} ms, {32/med:.0f} img/s")
