"""faster-whisper on the same clips and weights as the speech benchmark: per clip, the time
from the end of the audio to the transcript, then median, p95 and the process's peak memory as JSON on stdout.

Usage: bench-peer.py MODEL_DIR COMPUTE_TYPE LANGUAGE PROMPT CLIP.wav...
COMPUTE_TYPE is CTranslate2's: float32, or int8 (weights quantized to 8 bits on load).
Same settings as ours: greedy (beam 1), no timestamps, no temperature fallback, the same
initial prompt, 2 threads; the model loaded once and warmed up first.
"""
import json, resource, statistics, sys, time, wave
import numpy as np
from faster_whisper import WhisperModel

model_dir, compute_type, language, prompt = sys.argv[1:5]
clips = sys.argv[5:]
model = WhisperModel(model_dir, device="cpu", compute_type=compute_type, cpu_threads=2)

def load(path):
    with wave.open(path) as w:
        assert w.getframerate() == 16000 and w.getnchannels() == 1 and w.getsampwidth() == 2
        return np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).astype(np.float32) / 32768.0

audio = [load(c) for c in clips]
def run(samples):
    segments, _ = model.transcribe(samples, language=language, beam_size=1, best_of=1,
        temperature=0.0, without_timestamps=True, initial_prompt=prompt or None,
        condition_on_previous_text=False, vad_filter=False)
    return " ".join(s.text.strip() for s in segments)
run(audio[0])
times, texts = [], []
for samples in audio:
    start = time.perf_counter()
    texts.append(run(samples))
    times.append((time.perf_counter() - start) * 1000.0)
times.sort()
print(json.dumps({"median_ms": statistics.median(times),
                  "p95_ms": times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))],
                  # The whole Python process, clips included (Linux reports KiB).
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
                  "texts": texts}))
