#!/usr/bin/python3
"""PyTorch's answers for the receptive-field and input-size tests (tests/unit/test_rf_sizes.cpp).

Receptive field: the input pixels whose gradient reaches one output position (an interior one,
so no field is cut by the border): size = last - first + 1, centre = (first + last) / 2, and
jump = the centre's step from one output position to the next. Input sizes: a forward pass of
the same nn.Sequential on zeros, for every size, valid or not and the output shape.
Run with /usr/bin/python3 (torch 1.13); it prints the numbers the test asserts."""
import torch
import torch.nn as nn


class View(nn.Module):
    def __init__(self, *shape):
        super().__init__()
        self.shape = shape

    def forward(self, x):
        return x.view(*self.shape)


def lenet():
    return nn.Sequential(nn.Conv2d(1, 32, 5), nn.MaxPool2d(3), nn.ReLU(), nn.Conv2d(32, 64, 5),
                         nn.MaxPool2d(2), nn.ReLU(), View(-1, 256), nn.Linear(256, 200),
                         nn.ReLU(), nn.Linear(200, 10))


def cifar_cnn():
    return nn.Sequential(nn.Conv2d(3, 32, 3), nn.ReLU(), nn.MaxPool2d(2, 2), nn.Conv2d(32, 64, 3),
                         nn.ReLU(), nn.MaxPool2d(2, 2), nn.Conv2d(64, 128, 3), nn.ReLU(),
                         nn.Flatten(1), nn.Linear(2048, 128), nn.ReLU(), nn.Linear(128, 10))


def quiz_q5():
    return nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2, 2), nn.Conv2d(32, 32, 5),
                         nn.ReLU(), nn.MaxPool2d(2, 2))


def dilated_stack():
    return nn.Sequential(nn.Conv2d(1, 1, 3, dilation=1), nn.Conv2d(1, 1, 3, dilation=2),
                         nn.Conv2d(1, 1, 3, dilation=4, stride=2), nn.Conv2d(1, 1, 3, dilation=2),
                         nn.MaxPool2d(2, stride=2, dilation=2))


def windows_of(net):
    """The same geometry with every max pool as a depthwise convolution of its window (a max
    pool's gradient reaches only the largest input; the window it reads is the field)."""
    out, channels = [], net[0].in_channels
    for m in net:
        if isinstance(m, nn.MaxPool2d):
            m = nn.Conv2d(channels, channels, m.kernel_size, stride=m.stride, padding=m.padding,
                          dilation=m.dilation, groups=channels)
        if isinstance(m, nn.Conv2d):
            channels = m.out_channels
            with torch.no_grad():
                m.weight.fill_(1.0)
                m.bias.zero_()
        out.append(m)
    return nn.Sequential(*out)


def padded_stack():
    return nn.Sequential(nn.Conv2d(1, 1, 3, stride=2, padding=1),
                         nn.MaxPool2d(3, 2, padding=1, ceil_mode=True),
                         nn.Conv2d(1, 1, 4, padding=2))


def field(net, layers, size, pos):
    """First and last input row whose gradient reaches output row `pos` (column likewise)."""
    x = torch.zeros(1, net[0].in_channels, size, size, requires_grad=True)
    y = windows_of(net)[:layers](x + 1.0)
    y[0, 0, pos, pos].backward()
    rows = (x.grad[0, 0].abs().sum(1) != 0).nonzero().flatten()
    return rows.min().item(), rows.max().item()


def rf(net, layers, size):
    a0, a1 = field(net, layers, size, 4)
    b0, b1 = field(net, layers, size, 5)
    c_a, c_b = (a0 + a1) / 2, (b0 + b1) / 2
    jump = c_b - c_a
    return a1 - a0 + 1, jump, c_a - 4 * jump


print("receptive field (size, jump, start) after each windowed layer")
net = lenet()
for layers, name in [(1, "conv1"), (2, "pool1"), (4, "conv2"), (5, "pool2")]:
    print(" lenet", name, rf(net, layers, 60))
net = dilated_stack()
for layers in range(1, 6):
    print(" dilated", layers, rf(net, layers, 120))

net = padded_stack()
for layers in range(1, 4):
    print(" padded", layers, rf(net, layers, 120))

print("valid input sizes (H = W), output shape")
for name, make, lo, hi, batched in [("cifar_cnn", cifar_cnn, 16, 40, True),
                                    ("lenet", lenet, 16, 40, False),
                                    ("quiz_q5", quiz_q5, 1, 20, True)]:
    net = make().eval()
    valid = []
    for s in range(lo, hi + 1):
        c = net[0].in_channels
        x = torch.zeros(1, c, s, s) if batched else torch.zeros(c, s, s)
        try:
            with torch.no_grad():
                valid.append((s, tuple(net(x).shape)))
        except RuntimeError:
            pass
    print(" ", name, valid)

print("cifar_cnn: H = W giving fc1 2048 input features")
net = cifar_cnn()
print(" ", [s for s in range(1, 101) if s >= 18 and
            net[:9](torch.zeros(1, 3, s, s)).shape[-1] == 2048])

print("the notes' models (models/notes/*.py, run by PyTorch): smallest H = W from 1 up")
import sys, types, re
sys.modules.setdefault("pytorch_lightning", types.SimpleNamespace(LightningModule=nn.Module))
sys.modules.setdefault("torchsummary", types.SimpleNamespace(summary=lambda *a, **k: None))
for name in ["cifar_cnn", "lenet_like", "quiz_q4", "quiz_q5", "fashion_7x7", "korean_cnn",
             "simple_cnn", "fashion_5conv_stride"]:
    path = f"models/notes/{name}.py"
    text = open(path).read()
    given = re.search(r"# input: \[([^\]]*)\]", text)  # else the quiz's (1, 50, 50), batched
    declared = [int(v) if v.strip().isdigit() else 1
                for v in (given.group(1).split(",") if given else ["B", "1", "50", "50"])]
    scope = {"__name__": "notes"}
    exec(compile(text, path, "exec"), scope)
    model = scope.get("model")
    if not isinstance(model, nn.Module):
        classes = [v for v in scope.values()
                   if isinstance(v, type) and issubclass(v, nn.Module) and v.__module__ == "notes"]
        model = classes[-1]()
    model.eval()
    smallest = None
    for s in range(1, 65):
        try:
            with torch.no_grad():
                model(torch.zeros(*declared[:-2], s, s))
            smallest = s
            break
        except (RuntimeError, ValueError):
            pass
    print(" ", name, smallest)
