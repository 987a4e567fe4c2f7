# attack: infinite loop inside every call
def add(a, b):
    while True:
        pass
