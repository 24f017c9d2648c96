#!/usr/bin/python3
"""Regenerates golden.json: for every model file of this directory, what PyTorch says.

Run with the Python that has PyTorch (`/usr/bin/python3 tests/py_models/gen_golden.py`). For
each (file, --model, input) below it builds the model as the file defines it, runs a forward on
zeros (int64 token ids for the text models), and records the output shape,
model.parameters()'s count, and the output shape of every call of every leaf module, by its
named_modules() name (netshape names the n-th call `name_n`).
The unit test (tests/unit/test_py_models.cpp) compares netshape's analysis with these numbers.
The PENDING models (files in pending/, which netshape does not read correctly yet) are left out
unless `--with-pending` is given.
"""
import importlib.util
import json
import os
import re
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))

# file, the model netshape picks (None: the file's `model = ...` line), input shape
MODELS = [
    ("functional_convs.py", "MetaConvNet", [2, 3, 28, 28]),
    ("functional_convs.py", "SeparableNet", [2, 3, 32, 32]),
    ("functional_convs.py", "ExplicitNet", [2, 1, 28, 28]),
    ("functional_convs.py", "FilterBank1d", [2, 1, 100]),
    ("causal_transformer.py", "SeriesGPT", [2, 20, 6]),
    ("causal_transformer.py", "NextStepScorer", [2, 20, 6]),
    ("einsum_models.py", "EinsumViT", [2, 3, 32, 32]),
    ("einsum_models.py", "BilinearCNN", [2, 3, 32, 32]),
    ("vit_tiny.py", "TinyViT", [2, 3, 32, 32]),
    ("vit_tiny.py", "perceiver_lite", [2, 3, 32, 32]),
    ("transformer_layers.py", "SeriesClassifier", [4, 20, 8]),
    ("transformer_layers.py", "Seq2Seq", [9, 3, 32]),
    ("transformer_layers.py", "captioner", [2, 3, 32, 32]),
    ("cifar_resnet.py", "ResNet18", [1, 3, 32, 32]),
    ("vgg_cfg.py", "vgg11_bn", [2, 3, 32, 32]),
    ("vgg_cfg.py", "vgg_small", [2, 3, 32, 32]),
    ("dense_comprehension.py", None, [1, 3, 32, 32]),
    ("partial_inherit.py", None, [4, 3, 64, 64]),
    ("audio_1d.py", None, [8, 1, 1000]),
    ("mobilenet_v2_style.py", None, [2, 3, 64, 64]),
    ("yolo_focus.py", None, [1, 3, 128, 128]),
    ("yolo_focus.py", None, [2, 3, 96, 64]),
    ("spatial_transformer.py", None, [4, 3, 32, 32]),
    ("seq2seq_cells.py", None, [2, 7, 5]),
    ("seq2seq_cells.py", "CellTagger", [2, 7, 5]),
    ("weight_norm_tcn.py", "SequenceTCN", [4, 50, 3]),
    ("weight_norm_tcn.py", "NormalisedCritic", [2, 3, 32, 32]),
    ("spectral_norm_gan.py", "ProjectionCritic", [2, 3, 32, 32]),
    ("spectral_norm_gan.py", "SNGenerator", [2, 64]),
    ("swin_shift.py", "TinySwin", [2, 3, 64, 64]),
    ("detr_sine.py", "TinyDETR", [2, 3, 64, 64]),
    ("detr_sine.py", "PositionProbe", [2, 3, 32, 48]),
    ("siamese_heads.py", "SiameseNet", [8, 1, 28, 28]),
    ("siamese_heads.py", "TwoViewScorer", [4, 3, 32, 32]),
    ("kmax_pooling.py", "KMaxCNN", [2, 8, 40]),
    ("kmax_pooling.py", "RankingHead", [4, 8]),
    ("gqa_attention.py", "DecoderBlock", [2, 10, 64]),
    ("bottleneck_downsample.py", "small_resnet", [2, 3, 32, 32]),
    ("modulelist_mlp.py", None, [16, 1, 28, 28]),
    ("unet/unet_model.py", None, [1, 3, 64, 64]),
    ("resnext_grouped.py", "ResNeXt29_2x32d", [1, 3, 32, 32]),
    ("resnext_grouped.py", "ResNeXt29_8x8d", [1, 3, 32, 32]),
    ("preact_resnet_depth.py", "preresnet20", [2, 3, 32, 32]),
    ("preact_resnet_depth.py", "preresnet56", [2, 3, 32, 32]),
    ("wrn_wide_basic.py", "wrn_28_2", [2, 3, 32, 32]),
    ("vgg_variants.py", "vgg13", [2, 3, 32, 32]),
    ("vgg_variants.py", "vgg16", [2, 3, 32, 32]),
    ("mobilenet_v1.py", "MobileNet", [2, 3, 32, 32]),
    ("mobilenet_v2_cifar.py", "MobileNetV2", [2, 3, 32, 32]),
    ("mobilenet_v2_cifar.py", "mobilenet_v2_half", [2, 3, 32, 32]),
    ("mobilenet_v3_small.py", None, [2, 3, 64, 64]),
    ("efficientnet_lite.py", None, [2, 3, 32, 32]),
    ("efficientnet_lite.py", "efficientnet_lite_w05", [2, 3, 32, 32]),
    ("densenet_bc.py", "densenet_cifar", [1, 3, 32, 32]),
    ("densenet_bc.py", "densenet_tiny", [1, 3, 32, 32]),
    ("squeezenet.py", None, [2, 3, 64, 64]),
    ("googlenet_cifar.py", "GoogLeNet", [1, 3, 32, 32]),
    ("xception_lite.py", None, [2, 3, 32, 32]),
    ("alexnet_small.py", None, [2, 3, 127, 127]),
    ("nin.py", None, [2, 3, 32, 32]),
    ("dcgan.py", "generator", [4, 100, 1, 1]),
    ("dcgan.py", "discriminator", [4, 3, 64, 64]),
    ("conv_autoencoder.py", None, [8, 1, 28, 28]),
    ("lenet_variants.py", "LeNet5", [4, 1, 28, 28]),
    ("lenet_variants.py", "ReLULeNet", [4, 3, 32, 32]),
    ("mnist_convnet.py", "Net", [4, 1, 28, 28]),
    ("mnist_convnet.py", "CifarNet", [4, 3, 32, 32]),
    ("layer_subclass.py", None, [2, 3, 45, 45]),
    ("keypoint_regressor.py", None, [2, 1, 96, 96]),
    ("ecg_resnet1d.py", None, [2, 12, 4096]),
    ("audio_m5.py", None, [4, 1, 8000]),
    ("inception_time_1d.py", None, [4, 3, 128]),
    ("signal_autoencoder_1d.py", None, [4, 6, 256]),
    ("c3d_video.py", None, [1, 3, 8, 32, 32]),
    ("ordered_dict_seq.py", None, [2, 3, 32, 32]),
    ("config_dataclass.py", None, [2, 3, 64, 64]),
    ("config_post_init.py", None, [3, 16]),
    ("hparams_classmethod.py", "small_cnn", [2, 3, 32, 32]),
    ("hparams_classmethod.py", "large_cnn", [2, 3, 32, 32]),
    ("nested_builders.py", None, [2, 3, 32, 32]),
    ("base_class_template.py", "plain", [2, 3, 32, 32]),
    ("base_class_template.py", "strided", [2, 1, 64, 64]),
    ("activation_zoo.py", None, [2, 3, 32, 32]),
    ("norm_choices.py", "groupnorm_net", [2, 3, 32, 32]),
    ("norm_choices.py", "instancenorm_net", [2, 3, 32, 32]),
    ("norm_choices.py", "layernorm_net", [2, 3, 32, 32]),
    ("norm_choices.py", "plain_net", [2, 3, 32, 32]),
    ("fcn_upsample.py", None, [1, 3, 64, 64]),
    ("hrnet_fusion.py", None, [1, 3, 64, 64]),
    ("darknet_tiny.py", None, [1, 3, 64, 64]),
    ("mlp_mixer.py", None, [2, 3, 32, 32]),
    ("segnet/model.py", None, [1, 3, 64, 64]),
    ("resnet_family.py", "resnet10", [2, 3, 64, 64]),
    ("resnet_family.py", "resnet34", [2, 3, 64, 64]),
    ("resnet_family.py", "resnet26", [2, 3, 64, 64]),
    ("preact_resnet.py", "PreActResNet18", [1, 3, 32, 32]),
    ("preact_resnet.py", "PreActResNet50", [1, 3, 32, 32]),
    ("wide_resnet.py", "wrn_16_4", [2, 3, 32, 32]),
    ("wide_resnet.py", "wrn_10_2", [2, 3, 32, 32]),
    ("vae_conv.py", None, [4, 3, 32, 32]),
    ("getattr_stages.py", None, [2, 3, 32, 32]),
    ("modulelist_zip.py", None, [2, 3, 32, 32]),
    ("patchgan.py", "define_D", [1, 6, 64, 64]),
    ("patchgan.py", "batchnorm_D", [1, 3, 64, 64]),
    ("tf_same_padding.py", None, [2, 3, 32, 32]),
    ("spectrogram_cnn.py", None, [2, 1, 64, 256]),
    ("attention_unet.py", None, [1, 3, 64, 64]),
    ("densenet_features_list.py", None, [2, 3, 32, 32]),
    ("moduledict_branches.py", None, [2, 3, 32, 32]),
    ("lenet_blitz.py", "Net", [1, 1, 32, 32]),
    ("inception_aux.py", None, [2, 3, 32, 32]),
    ("sequential_ordereddict.py", None, [2, 1, 28, 28]),
    ("se_resnet.py", "se_resnet20", [2, 3, 32, 32]),
    ("shufflenet_v2.py", None, [2, 3, 32, 32]),
    ("unet_fpad.py", None, [1, 1, 50, 70]),
    ("tcn.py", None, [4, 1, 784]),
    ("vit_patch.py", None, [2, 3, 32, 32]),
    ("segmentation_heads.py", "pyramid_segmenter", [2, 3, 64, 64]),
    ("segmentation_heads.py", "plain_segmenter", [1, 3, 48, 40]),
    ("crnn_lstm.py", None, [2, 1, 32, 100]),
    ("sequence_models.py", "row_lstm", [4, 28, 28]),
    ("sequence_models.py", "gru_tagger", [30, 4, 40]),
    ("sequence_models.py", "conv_recurrent", [4, 3, 64]),
    ("sequence_models.py", "bigru_classifier", [6, 20, 30]),
    ("lstm_last_hidden.py", None, [4, 12, 50]),
    ("text_models.py", "KimCNN", [4, 40]),
    ("text_models.py", "sentiment_lstm", [4, 40]),
    ("text_models.py", "char_rnn", [4, 40]),
    ("text_models.py", "tiny_encoder", [4, 40]),
    ("positional_encodings.py", "WordLanguageModel", [40, 3]),
    ("positional_encodings.py", None, [4, 40]),
    ("positional_encodings.py", "MeanPoolClassifier", [4, 40]),
    ("masked_transformers.py", None, [35, 4]),
    ("masked_transformers.py", "PaddedClassifier", [4, 40]),
    ("masked_transformers.py", "TinyGPT", [4, 40]),
    ("masked_transformers.py", "Translator", [4, 12]),
    ("char_decoder.py", None, [4, 20]),
    ("rope_decoder.py", None, [3, 24]),
]

# Files whose models take token ids (their `# input:` comment says `long`): PyTorch is given
# int64 zeros, the others float32 zeros.
INDEX_INPUTS = {
    "text_models.py", "positional_encodings.py", "masked_transformers.py", "char_decoder.py",
    "rope_decoder.py", "config_post_init.py",
}


def example_input(file, shape):
    return torch.zeros(*shape, dtype=torch.long if file in INDEX_INPUTS else torch.float32)

# Models netshape does not read correctly yet (pending/README.md says why, one line each). Not
# in golden.json unless asked (`gen_golden.py --with-pending`); move an entry to MODELS (and its
# file out of pending/) when netshape reads it.
PENDING = [
]


def load(path):
    relative = os.path.relpath(path, HERE)
    if os.sep in relative:  # a package of several files: imported as Python imports it
        if HERE not in sys.path:
            sys.path.insert(0, HERE)
        return importlib.import_module(relative[:-3].replace(os.sep, "."))
    spec = importlib.util.spec_from_file_location(os.path.basename(path)[:-3], path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def shape_of(out):
    # a module returning a tuple (nn.LSTM: output, (h, c)) is recorded by its first tensor
    while isinstance(out, (tuple, list)):
        out = out[0]
    return list(out.shape)


def golden(file, selector, shape):
    module = load(os.path.join(HERE, file))
    model = getattr(module, selector)() if selector else module.model
    model.eval()
    # In eval mode PyTorch runs a batch-first nn.TransformerEncoderLayer as one fused kernel, and
    # its submodules' hooks never fire; in training mode it calls them, as netshape shows them
    # (dropout changes values only).
    for m in model.modules():
        if isinstance(m, (torch.nn.TransformerEncoderLayer, torch.nn.TransformerDecoderLayer)):
            m.train()
    calls = {}
    for name, m in model.named_modules():
        container = isinstance(m, (torch.nn.Sequential, torch.nn.ModuleList, torch.nn.ModuleDict))
        # nn.MultiheadAttention is one layer: its out_proj only holds weights its forward reads
        # (its output is the first of (output, attention weights))
        attention = isinstance(m, torch.nn.MultiheadAttention)
        if (len(list(m.children())) == 0 or attention) and name and not container:  # an empty Sequential is a no-op
            m.register_forward_hook(
                lambda mod, inp, out, name=name: calls.setdefault(name, []).append(shape_of(out)))
    with torch.no_grad():
        out = model(example_input(file, shape))
    if isinstance(out, tuple):  # `return logits, None`: its tensors are the outputs
        tensors = [v for v in out if isinstance(v, torch.Tensor)]
        out = tensors[0] if len(tensors) == 1 else dict(enumerate(tensors))
    return {
        "file": file,
        "model": selector or "",
        "input": shape,
        # a dict of outputs (segmentation models: {"out": ..., "aux": ...}): each value's shape
        "output": [list(v.shape) for v in out.values()] if isinstance(out, dict) else list(out.shape),
        "params": sum(p.numel() for p in model.parameters()),
        "modules": calls,
    }


def main():
    models = MODELS + PENDING if "--with-pending" in sys.argv[1:] else MODELS
    entries = [golden(*m) for m in models]
    text = json.dumps(entries, indent=1)
    text = re.sub(r"\[\s+([-\d,\s]+?)\s+\]", lambda m: "[" + " ".join(m.group(1).split()) + "]", text)
    with open(os.path.join(HERE, "golden.json"), "w") as f:
        f.write(text + "\n")
    print(f"{len(entries)} models written to golden.json")


if __name__ == "__main__":
    sys.exit(main())
