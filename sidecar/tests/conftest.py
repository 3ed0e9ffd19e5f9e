import torch

# The machine is shared; one thread keeps the suite's timing predictable.
torch.set_num_threads(1)
