NAME = "aws-openswan"
DESCRIPTION = "todo"
VENDOR = "x"

def detect(text):
    return False
