NAME = "aws-juniper"
DESCRIPTION = "todo"
VENDOR = "x"

def detect(text):
    return False
