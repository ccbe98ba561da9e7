NAME = "aws-strongswan"
DESCRIPTION = "todo"
VENDOR = "x"

def detect(text):
    return False
