"""The safetensors file format (Hugging Face), read and written with json, struct and torch.frombuffer
(Debian has no python3-safetensors):

    [u64 little-endian N] [N bytes of JSON header, space-padded to a multiple of 8] [tensor bytes]
    header = {"<name>": {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, ...,
              "__metadata__": {"<key>": "<string>"}}

Offsets are relative to the data section; tensors are little-endian. F32, I32 and I64 are supported
(weights are F32; the id shards of `seq2seq corpus encode` hold I32 ids and I64 offsets).
"""

import json
import os
import struct
import sys

import torch

DTYPES = {'F32': torch.float32, 'I32': torch.int32, 'I64': torch.int64}
NAMES = {v: k for k, v in DTYPES.items()}
SIZES = {'F32': 4, 'I32': 4, 'I64': 8}
MAX_HEADER_BYTES = 16 * 1024 * 1024


class SafetensorsError(ValueError):
    """A file that is not a valid safetensors file (the message names the file and the problem)."""


def _check_little_endian():
    if sys.byteorder != 'little':
        raise RuntimeError('safetensors: only little-endian machines are supported')


def read_safetensors(path):
    """Returns ({name: tensor}, metadata) with tensors in file order; every size and offset is checked."""
    _check_little_endian()
    with open(path, 'rb') as f:
        data = bytearray(f.read())
    if len(data) < 8:
        raise SafetensorsError(f'{path}: truncated safetensors file ({len(data)} bytes, no header)')
    (n,) = struct.unpack('<Q', bytes(data[:8]))
    if n > MAX_HEADER_BYTES:
        raise SafetensorsError(f'{path}: safetensors header claims {n} bytes (limit {MAX_HEADER_BYTES})')
    if 8 + n > len(data):
        raise SafetensorsError(f'{path}: truncated safetensors file (header claims {n} bytes)')
    try:
        header = json.loads(bytes(data[8 : 8 + n]).decode('utf-8'))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise SafetensorsError(f'{path}: safetensors header is not valid UTF-8 JSON') from None
    if not isinstance(header, dict):
        raise SafetensorsError(f'{path}: safetensors header is not a JSON object')
    start = 8 + n
    size = len(data) - start
    metadata = header.pop('__metadata__', {}) or {}
    entries = []
    for name, info in header.items():
        dtype = info.get('dtype') if isinstance(info, dict) else None
        if dtype not in DTYPES:
            raise SafetensorsError(f'{path}: tensor {name}: dtype {dtype} is not supported (F32, I32, I64)')
        shape = info.get('shape')
        begin, end = info.get('data_offsets', [None, None])
        count = 1
        for d in shape:
            count *= d
        if not (isinstance(begin, int) and isinstance(end, int) and 0 <= begin <= end <= size):
            raise SafetensorsError(f'{path}: tensor {name}: data_offsets outside the data section (truncated file?)')
        if end - begin != count * SIZES[dtype]:
            raise SafetensorsError(
                f'{path}: tensor {name}: data_offsets span {end - begin} bytes, '
                f'shape {shape} needs {count * SIZES[dtype]}'
            )
        entries.append((begin, end, name, dtype, shape))
    entries.sort()
    tensors = {}
    for begin, end, name, dtype, shape in entries:
        if end == begin:
            tensors[name] = torch.zeros(shape, dtype=DTYPES[dtype])
        else:
            tensors[name] = torch.frombuffer(
                data, dtype=DTYPES[dtype], count=(end - begin) // SIZES[dtype], offset=start + begin
            ).reshape(shape)
    return tensors, metadata


def _tensor_bytes(t):
    t = t.detach().contiguous().cpu()
    try:
        return t.numpy().tobytes()
    except (RuntimeError, ImportError):  # torch built without numpy: slower, same bytes
        fmt = {'F32': 'f', 'I32': 'i', 'I64': 'q'}[NAMES[t.dtype]]
        return struct.pack(f'<{t.numel()}{fmt}', *t.flatten().tolist())


def write_safetensors(path, tensors, metadata=None):
    """Writes [(name, tensor)] in the given order (F32/I32/I64) and string metadata, atomically
    (a temporary file beside `path`, flushed, then renamed over it)."""
    _check_little_endian()
    header = {}
    if metadata:
        header['__metadata__'] = {k: str(v) for k, v in metadata.items()}
    offset = 0
    blobs = []
    for name, t in tensors:
        if t.dtype not in NAMES:
            raise ValueError(f'write_safetensors: {name} has dtype {t.dtype} (F32, I32 or I64 only)')
        if name in header:
            raise ValueError(f'write_safetensors: duplicate tensor name {name}')
        b = _tensor_bytes(t)
        header[name] = {'dtype': NAMES[t.dtype], 'shape': list(t.shape), 'data_offsets': [offset, offset + len(b)]}
        offset += len(b)
        blobs.append(b)
    js = json.dumps(header, separators=(',', ':')).encode('utf-8')
    js += b' ' * ((8 - len(js) % 8) % 8)
    write_atomic(path, [struct.pack('<Q', len(js)), js, *blobs])


def write_atomic(path, chunks):
    """Writes bytes (or a list of byte chunks) to `path` through a temporary file and a rename."""
    if isinstance(chunks, (bytes, bytearray)):
        chunks = [chunks]
    d = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(d, f'.{os.path.basename(path)}.tmp-{os.getpid()}')
    try:
        with open(tmp, 'wb') as f:
            for c in chunks:
                f.write(c)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    fsync_dir(d)


def fsync_dir(d):
    try:
        fd = os.open(d, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError:
        pass
