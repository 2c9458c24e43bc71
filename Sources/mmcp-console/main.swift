import MotionMCP
print("mmcp-console")
