"""Small commands the tests (and curious users) run against the twin:

python3 -m seq2seq_torch.tool grads   < cases.json   loss, nll and every parameter's gradient (autograd) of
                                                     each case: {"name", "config", "weights": {name: [..]},
                                                     "batch": {...}, "dtype", "masks"?}; JSON out
python3 -m seq2seq_torch.tool greedy RUN [--checkpoint DIR] < sources.json    greedy outputs (id lists)
python3 -m seq2seq_torch.tool roundtrip IN.safetensors CONFIG.json OUT.safetensors
                                                     load into the twin by name, write back from the twin
"""

import argparse
import json
import os
import sys

import torch

if __package__ in (None, ''):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from seq2seq_torch.model import Seq2SeqTwin  # noqa: E402
from seq2seq_torch.run_dir import load_run_model  # noqa: E402
from seq2seq_torch.safetensors import read_safetensors, write_safetensors  # noqa: E402


def batch_tensors(b):
    S, B, T = b['srcLen'], b['size'], b['tgtLen']
    return (
        torch.tensor(b['src'], dtype=torch.long).view(S, B),
        torch.tensor(b['srcLengths'], dtype=torch.long),
        torch.tensor(b['tgtIn'], dtype=torch.long).view(T, B),
        torch.tensor(b['tgtOut'], dtype=torch.long).view(T, B),
    )


def cmd_grads(_args):
    cases = json.load(sys.stdin)
    out = []
    for case in cases:
        dtype = torch.float64 if case.get('dtype', 'float64') == 'float64' else torch.float32
        model = Seq2SeqTwin(case['config']).to(dtype)
        shapes = dict(model.checkpoint_tensors())
        model.load_checkpoint_tensors(
            {
                k: torch.tensor(v, dtype=dtype).view(shapes[k].shape) if k in shapes else torch.tensor(v)
                for k, v in case['weights'].items()
            },
            where=case['name'],
        )
        masks = None
        if case.get('masks'):
            masks = {k: torch.tensor(v['data'], dtype=dtype).view(v['shape']) for k, v in case['masks'].items()}
        train = masks is not None
        model.train(train)
        loss, nll, tokens = model.loss(*batch_tensors(case['batch']), train=train, masks=masks)
        model.zero_grad()
        loss.backward()
        out.append(
            {
                'name': case['name'],
                'loss': loss.item(),
                'nll': nll.item(),
                'tokens': tokens,
                'grads': {n: p.grad.flatten().tolist() for n, p in model.checkpoint_tensors()},
            }
        )
    json.dump(out, sys.stdout)


def cmd_greedy(args):
    model, _ = load_run_model(args.run, args.checkpoint)
    sources = json.load(sys.stdin)
    outs = []
    for i in range(0, len(sources), args.batch):
        outs.extend(model.greedy(sources[i : i + args.batch]))
    json.dump(outs, sys.stdout)


def cmd_roundtrip(args):
    tensors, _ = read_safetensors(args.input)
    with open(args.config, encoding='utf-8') as f:
        config = json.load(f)['model']
    model = Seq2SeqTwin(config)
    model.load_checkpoint_tensors(tensors, where=args.input)
    write_safetensors(
        args.output,
        [(n, p.detach()) for n, p in model.checkpoint_tensors()],
        {'format': 'seq2seq', 'version': '1', 'config': json.dumps(config, separators=(',', ':'))},
    )


def main(argv=None):
    p = argparse.ArgumentParser(prog='python3 -m seq2seq_torch.tool')
    sub = p.add_subparsers(dest='cmd', required=True)
    sub.add_parser('grads')
    g = sub.add_parser('greedy')
    g.add_argument('run')
    g.add_argument('--checkpoint', default=None, help='checkpoint directory inside the run (default: best, else last)')
    g.add_argument('--batch', type=int, default=64)
    r = sub.add_parser('roundtrip')
    r.add_argument('input')
    r.add_argument('config')
    r.add_argument('output')
    args = p.parse_args(argv)
    torch.set_num_threads(int(os.environ.get('SEQ2SEQ_TORCH_THREADS', '1')))
    {'grads': cmd_grads, 'greedy': cmd_greedy, 'roundtrip': cmd_roundtrip}[args.cmd](args)


if __name__ == '__main__':
    main()
