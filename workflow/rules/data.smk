# Data preparation (issue 4, section 1): the text corpus -> tokenizer -> token files that
# the language models read, and the digit images of the MNIST scan. The config picks the
# sources (data.text.source, data.tokenizer.kind, data.vision.source); every output has a
# JSON sidecar with its checksums. `snakemake data` builds them all; the figures pull in
# what they need (nothing reads the token files yet, so `all` does not build them).
#
# token_files() gives the token folder's paths (format:
# src/physlearn/data/tokens.py), vision_dataset() the digit images' .npz.


include: "data.functions.smk"


rule shakespeare_archive:
    input:
        local=shakespeare_inputs,
        code=package_sources("physlearn.data.fetch_archive"),
    output:
        archive=SHAKESPEARE_ARCHIVE,
        sidecar=f"{SHAKESPEARE_ARCHIVE}.json",
    log:
        "logs/data/shakespeare_archive.log",
    benchmark:
        "results/timings/data/shakespeare_archive.tsv"
    priority: UNLOCKS_CHAINS
    conda:
        "../../environment.yml"
    resources:
        mem_mb=1000,
        runtime=1,
    params:
        config=json_param(
            {"data": {"text": {"shakespeare": config["data"]["text"]["shakespeare"]}}}
        ),
    shell:
        "python -m physlearn.data.fetch_archive --config {params.config:q} --output {output.archive} 2> {log}"


rule text_tokens:
    input:
        unpack(text_inputs),
        code=package_sources("physlearn.data.prepare_tokens"),
    output:
        **token_files(),
    log:
        "logs/data/text_tokens.log",
    benchmark:
        "results/timings/data/text_tokens.tsv"
    priority: UNLOCKS_CHAINS
    conda:
        "../../environment.yml"
    threads: config["data"]["threads"]
    resources:
        mem_mb=16000 if config["data"]["text"]["source"] == "openwebtext" else 4000,
        runtime=600 if config["data"]["text"]["source"] == "openwebtext" else 1,
    params:
        config=text_config(),
        archive=text_archive_arg,
        out_dir=token_dir_of,
    shell:
        "python -m physlearn.data.prepare_tokens --config {params.config:q} --out-dir {params.out_dir}"
        " {params.archive} 2> {log}"


rule vision_data:
    input:
        code=package_sources("physlearn.data.prepare_vision"),
    output:
        data=vision_dataset(),
        sidecar=f"{vision_dataset()}.json",
    log:
        f"logs/data/vision_{config['data']['vision']['source']}.log",
    benchmark:
        f"results/timings/data/vision_{config['data']['vision']['source']}.tsv"
    priority: UNLOCKS_CHAINS
    conda:
        "../../environment.yml"
    resources:
        mem_mb=2000,
        runtime=5 if config["data"]["vision"]["source"] == "mnist" else 1,
    params:
        config=vision_config(),
        download_dir="resources/data/mnist",
    shell:
        "python -m physlearn.data.prepare_vision --config {params.config:q} --output {output.data}"
        " --download-dir {params.download_dir} 2> {log}"


rule data:
    input:
        **token_files(),
        vision=vision_dataset(),
