"""seq2seq_torch: the PyTorch twin of seq2seq's model, its checkpoint and id-shard formats, and train_ddp.py
(distributed training with torchrun that reads and writes seq2seq's run directory). See docs/scale-out.md."""
