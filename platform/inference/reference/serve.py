"""FastAPI + PyTorch doing what POST /api/v1/classify does, for any
architecture in models.py (../shared/bench/app.py serves SmallCNN only).

run: ARCH=fishnet SIZE=64 python3 -m uvicorn serve:app --port 18000 --workers 2 --http httptools --loop uvloop
"""
import io, os, time, torch
from fastapi import FastAPI, File, UploadFile, HTTPException
from PIL import Image
from torchvision import transforms
from models import named

SIZE = int(os.environ.get("SIZE", "64"))
torch.set_num_threads(int(os.environ.get("THREADS", "1")))
model = named(os.environ.get("ARCH", "fishnet"), SIZE).eval()
prep = transforms.Compose([transforms.Resize((SIZE, SIZE)), transforms.ToTensor(),
                           transforms.Normalize([0.5] * 3, [0.25] * 3)])
app = FastAPI()


@app.get("/health")
async def health():
    return {"status": "healthy"}


@app.post("/api/v1/classify")
def classify(file: UploadFile = File(...)):
    t = time.perf_counter()
    try:
        img = Image.open(io.BytesIO(file.file.read())).convert("RGB")
    except Exception:
        raise HTTPException(422, "not an image")
    with torch.no_grad():
        p = torch.softmax(model(prep(img).unsqueeze(0)), 1)[0]
    top = torch.topk(p, 3)
    return {"predictions": [{"class": int(i), "confidence": float(c)} for c, i in zip(top.values, top.indices)],
            "latency_ms": (time.perf_counter() - t) * 1e3}
