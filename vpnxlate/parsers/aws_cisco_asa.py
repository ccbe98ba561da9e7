NAME = "aws-cisco-asa"
DESCRIPTION = "todo"
VENDOR = "x"

def detect(text):
    return False
