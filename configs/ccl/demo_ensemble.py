# Demo baseline: the same two networks trained jointly without exchange.
_base_ = './demo_ccl.py'
model = dict(decode_head=dict(direction='none'))
