"""`seq2seq train`'s settings (src/train/config.ts, src/train/presets.ts) for train_ddp.py: the same keys,
defaults and presets, resolved the same way (defaults < preset < config file < flags; "model" merged key by
key). test/python/twin-settings.test.ts checks that these tables equal the TypeScript ones."""

import json
import re

DEFAULTS = {
    'valid': None,
    'src': None,
    'tgt': None,
    'format': None,
    'vocabSize': 4000,
    'jointVocab': False,
    'lowercase': False,
    'bpeDropout': 0,
    'tokenizer': None,
    'srcTokenizer': None,
    'tgtTokenizer': None,
    'optimizer': 'adam',
    'lr': 0.001,
    'momentum': 0.9,
    'beta1': 0.9,
    'beta2': 0.999,
    'eps': 1e-8,
    'weightDecay': 0,
    'clipNorm': 1,
    'schedule': 'constant',
    'warmupSteps': 0,
    'decayFactor': 0.5,
    'decayPatience': 2,
    'minLr': 1e-6,
    'anneal': 0,
    'batchTokens': 2000,
    'batchSentences': None,
    'maxSrcLen': 80,
    'maxTgtLen': 80,
    'seed': 1,
    'maxSteps': None,
    'maxEpochs': None,
    'timeBudget': None,
    'evalEvery': 500,
    'checkpointEvery': None,
    'keepCheckpoints': 0,
    'bestMetric': 'bleu',
    'patience': 0,
    'evalMaxSentences': None,
    'samples': 3,
}

PRESETS = {
    'tiny': {
        'model': {
            'cell': 'gru',
            'embeddingSize': 32,
            'hiddenSize': 64,
            'attention': 'bahdanau',
            'bidirectional': True,
            'dropout': 0,
        },
        'vocabSize': 600,
        'jointVocab': True,
        'batchTokens': 1200,
        'lr': 0.003,
        'maxSteps': 600,
        'evalEvery': 200,
        'evalMaxSentences': 200,
    },
    'small': {
        'model': {
            'cell': 'gru',
            'embeddingSize': 64,
            'hiddenSize': 128,
            'attention': 'bahdanau',
            'bidirectional': True,
            'dropout': 0.1,
        },
        'vocabSize': 1500,
        'jointVocab': True,
        'batchTokens': 1500,
        'lr': 0.002,
        'maxEpochs': 10,
        'timeBudget': '4m',
        'evalEvery': 200,
        'evalMaxSentences': 300,
    },
    'base': {
        'model': {
            'cell': 'gru',
            'embeddingSize': 256,
            'hiddenSize': 512,
            'attention': 'bahdanau',
            'bidirectional': True,
            'dropout': 0.3,
            'labelSmoothing': 0.1,
        },
        'vocabSize': 8000,
        'jointVocab': False,
        'batchTokens': 3000,
        'lr': 0.0005,
        'schedule': 'plateau',
        'maxEpochs': 30,
        'evalEvery': 1000,
        'patience': 8,
    },
    'multi30k': {
        'model': {
            'cell': 'gru',
            'embeddingSize': 256,
            'hiddenSize': 256,
            'bidirectional': True,
            'attention': 'bahdanau',
            'dropout': 0.3,
            'labelSmoothing': 0.1,
            'tiedTargetEmbeddings': True,
        },
        'vocabSize': 8000,
        'jointVocab': True,
        'batchTokens': 2000,
        'lr': 0.001,
        'schedule': 'plateau',
        'decayFactor': 0.5,
        'decayPatience': 2,
        'minLr': 0.00005,
        'anneal': 0.3,
        'timeBudget': '60m',
        'evalEvery': 400,
        'evalMaxSentences': 1014,
        'keepCheckpoints': 5,
    },
    'tatoeba': {
        'model': {
            'cell': 'gru',
            'embeddingSize': 256,
            'hiddenSize': 256,
            'bidirectional': True,
            'attention': 'bahdanau',
            'dropout': 0.2,
            'labelSmoothing': 0.1,
        },
        'vocabSize': 8000,
        'jointVocab': True,
        'batchTokens': 2500,
        'lr': 0.001,
        'schedule': 'plateau',
        'decayFactor': 0.5,
        'decayPatience': 2,
        'minLr': 0.00005,
        'anneal': 0.3,
        'timeBudget': '60m',
        'evalEvery': 500,
        'evalMaxSentences': 1000,
        'keepCheckpoints': 5,
    },
}

MODEL_KEYS = {
    'cell': str,
    'embeddingSize': int,
    'hiddenSize': int,
    'encoderHiddenSize': int,
    'encoderLayers': int,
    'decoderLayers': int,
    'bidirectional': bool,
    'attention': str,
    'attentionSize': int,
    'inputFeeding': bool,
    'preOutput': bool,
    'preOutputSize': int,
    'tiedTargetEmbeddings': bool,
    'dropout': float,
    'memoryDropout': float,
    'wordDropout': float,
    'labelSmoothing': float,
    'maxSourceLength': int,
    'maxTargetLength': int,
}
TOP_KEYS = {
    **{k: type(v) for k, v in DEFAULTS.items()},
    'train': list,
    'valid': list,
    'out': str,
    'preset': str,
    'model': dict,
}
CHOICES = {
    'cell': ('rnn', 'gru', 'lstm'),
    'attention': ('none', 'bahdanau', 'luong-dot', 'luong-general'),
    'optimizer': ('adam', 'sgd'),
    'schedule': ('constant', 'plateau', 'inverse-sqrt'),
    'bestMetric': ('bleu', 'chrf', 'loss'),
    'preset': tuple(PRESETS),
}


UNIT = {'dropout', 'memoryDropout', 'wordDropout', 'labelSmoothing', 'momentum', 'beta1', 'beta2', 'anneal', 'bpeDropout'}
NON_NEGATIVE = {'weightDecay', 'clipNorm', 'warmupSteps', 'minLr', 'seed', 'keepCheckpoints', 'patience'}
STRINGS = {
    'timeBudget',
    'train',
    'valid',
    'out',
    'src',
    'tgt',
    'format',
    'model',
    'tokenizer',
    'srcTokenizer',
    'tgtTokenizer',
}
BOOLS = {'bidirectional', 'inputFeeding', 'preOutput', 'tiedTargetEmbeddings', 'jointVocab', 'lowercase'}


class SettingsError(ValueError):
    pass


def check_value(key, v, where, prefix=''):
    """The ranges of our schema (src/train/config.ts): [0, 1) for probabilities, ≥ 0 or > 0 for the rest."""
    if key in BOOLS:
        if not isinstance(v, bool):
            raise SettingsError(f'{where}: {prefix}{key} must be true or false')
        return
    if key in CHOICES or key in STRINGS or v is None:
        return
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise SettingsError(f'{where}: {prefix}{key} must be a number')
    if key in UNIT and not 0 <= v < 1:
        raise SettingsError(f'{where}: {prefix}{key} must be in [0, 1)')
    if key == 'decayFactor' and not 0 < v < 1:
        raise SettingsError(f'{where}: decayFactor must be in (0, 1)')
    if key in NON_NEGATIVE and v < 0:
        raise SettingsError(f'{where}: {prefix}{key} must be ≥ 0')
    if key not in UNIT | NON_NEGATIVE and key != 'decayFactor' and v <= 0:
        raise SettingsError(f'{where}: {prefix}{key} must be positive')


def check_layer(layer, where):
    """Unknown keys and choices are refused, naming the key (as ours)."""
    if not isinstance(layer, dict):
        raise SettingsError(f'{where}: expected a JSON object of training settings')
    for k, v in layer.items():
        if k in ('$schema', 'comment'):
            continue
        if k not in TOP_KEYS:
            raise SettingsError(f"{where}: unknown key '{k}'")
        if k == 'model':
            for mk, mv in v.items():
                if mk not in MODEL_KEYS:
                    raise SettingsError(f"{where}: unknown key 'model.{mk}'")
                if mk in CHOICES and mv not in CHOICES[mk]:
                    raise SettingsError(f'{where}: model.{mk} must be one of {", ".join(CHOICES[mk])}')
                check_value(mk, mv, where, 'model.')
        elif k in CHOICES and v is not None and v not in CHOICES[k]:
            raise SettingsError(f'{where}: {k} must be one of {", ".join(CHOICES[k])}')
        else:
            check_value(k, v, where)
    return {k: v for k, v in layer.items() if k not in ('$schema', 'comment')}


def resolve(layers):
    """Defaults < preset (the last layer naming one, else small) < the layers in order."""
    preset = next((l['preset'] for l in reversed(layers) if l.get('preset') is not None), 'small')
    merged = dict(DEFAULTS)
    model = {}
    for layer in [PRESETS[preset], *layers]:
        for k, v in layer.items():
            if v is None:
                continue
            if k == 'model':
                model.update(v)
            else:
                merged[k] = v
    merged['model'] = model
    merged['preset'] = preset
    return merged


def parse_duration(text):
    """Seconds of "90s", "30m", "1h30m", "500ms" or a number of seconds (src/train/duration.ts)."""
    if isinstance(text, (int, float)):
        if text <= 0:
            raise SettingsError(f'timeBudget: must be a positive number of seconds, got {text}')
        return float(text)
    s = text.strip()
    if re.fullmatch(r'\d+(\.\d+)?', s):
        return parse_duration(float(s))
    parts = re.findall(r'(\d+(?:\.\d+)?)(ms|s|m|h)', s)
    if not parts or ''.join(a + b for a, b in parts) != s:
        raise SettingsError(f"timeBudget: cannot read '{text}' as a duration (e.g. 90s, 30m, 1h30m)")
    return sum(float(a) * {'ms': 0.001, 's': 1, 'm': 60, 'h': 3600}[u] for a, u in parts)


def tables_json():
    """The tables as JSON (the test compares them with the TypeScript ones)."""
    return json.dumps({'defaults': DEFAULTS, 'presets': PRESETS})
