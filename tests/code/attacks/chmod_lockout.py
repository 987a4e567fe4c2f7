# attack: lock the work folder: files and folders mode 000, the folder itself 000, sticky junk
import os

os.makedirs("locked/inner")
with open("locked/inner/secret", "w") as f:
    f.write("left for the next run")
for path in ("locked/inner/secret", "locked/inner", "locked", "harness.py", "calls.json"):
    os.chmod(path, 0)
os.chmod("/work", 0)


def add(a, b):
    return None
