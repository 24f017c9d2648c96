# A sentence classifier that reads the LSTM's final hidden state, as many tutorials do: the
# (h_n, c_n) pair unpacked and h_n[-1] (the last layer's state) fed to the classifier.
import torch.nn as nn


class LastHiddenClassifier(nn.Module):
    def __init__(self, features=50, hidden=64, classes=5):
        super().__init__()
        self.lstm = nn.LSTM(features, hidden, num_layers=2, batch_first=True)
        self.fc = nn.Linear(hidden, classes)

    def forward(self, x):
        _, (h_n, _) = self.lstm(x)
        return self.fc(h_n[-1])


model = LastHiddenClassifier()
# input: [4, 12, 50]
