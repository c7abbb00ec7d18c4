"""Generator metadata: what generative tools write into their files, read back.

Local and hosted image generators record their generation parameters in the
file they save. Finding them is the strongest evidence there is that a file was
generated, and it names the tool. Where each tool writes:

================  ==========================================================
Tool              Marker (module)
================  ==========================================================
AUTOMATIC1111     PNG ``parameters`` infotext; JPEG/WebP EXIF ``UserComment``
and forks         UTF-16; the fork by ``Version:`` / ``App:`` (:mod:`.a1111`)
Civitai           infotext with ``Civitai resources``, or a graph with
                  ``extraMetadata`` in ``UserComment`` (:mod:`.civitai`)
ComfyUI           PNG ``prompt``/``workflow`` JSON graphs; WebP EXIF
                  ``Model``/``Make`` = ``prompt:``/``workflow:``; JPEG savers'
                  variants (:mod:`.comfyui`)
InvokeAI          ``invokeai_metadata``/``invokeai_graph``, ``sd-metadata``,
                  ``Dream`` (:mod:`.invokeai`)
NovelAI           ``Software`` = NovelAI, ``Comment`` request JSON (signed),
                  plus stealth bits (:mod:`.novelai`)
Fooocus family    ``fooocus_scheme``, ``parameters`` JSON, EXIF ``Software``
                  (:mod:`.fooocus`)
SwarmUI           ``sui_image_params`` JSON in ``parameters``/``UserComment``
                  (:mod:`.swarmui`)
TensorArt,        ``generation_data``; ``smproj``/``parameters-json``;
Stability Matrix, ``use_stable_diffusion_model``; ``parameters`` JSON with
Easy Diffusion,   ``Model`` + ``resolution`` (:mod:`.webapps`)
HF spaces
Midjourney,       ``Job ID: <uuid>`` in ``Description``/XMP; Draw Things
Draw Things       XMP ``CreatorTool`` + ``exif:UserComment`` JSON (:mod:`.hosted`)
Stealth           pixel low bits, ``stealth_png{info,comp}`` /
                  ``stealth_rgb{info,comp}`` (:mod:`.stealth`)
================  ==========================================================

:mod:`.entries` gathers every header text of a PNG, JPEG or WebP into one
list, :mod:`.identify` runs the matchers most-specific first, and
:mod:`.detector` holds the two registered detectors, ``generator_metadata``
and ``generator_stealth``.
"""
