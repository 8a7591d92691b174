// Validates rendered Kubernetes manifests against the Kubernetes API schemas (kubernetes-models), the
// prometheus-operator CRDs (@kubernetes-models/prometheus-operator) and KEDA's (@kubernetes-models/keda), offline, in two passes:
//
//  1. each object's own validate(): the OpenAPI schema (types, required fields, enums, formats);
//  2. tsc --strict over the objects as typed literals: those schemas allow unknown fields, the model types do
//     not (excess property checks), so a misspelt or misplaced field fails here, as kubeconform -strict would.
//
// Usage: node validate.mjs <manifests.yaml>...   (run from anywhere; writes its scratch file under ./target)
// Prints one line per object and exits non-zero on any problem, naming the file, the object and the path.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import ts from "typescript";

const here = dirname(fileURLToPath(import.meta.url));

// apiVersion -> module whose <Kind> export is the model class (and I<Kind> its interface).
const MODULES = {
  v1: "kubernetes-models/v1",
  "apps/v1": "kubernetes-models/apps/v1",
  "policy/v1": "kubernetes-models/policy/v1",
  "batch/v1": "kubernetes-models/batch/v1",
  "networking.k8s.io/v1": "kubernetes-models/networking.k8s.io/v1",
  "rbac.authorization.k8s.io/v1": "kubernetes-models/rbac.authorization.k8s.io/v1",
  "autoscaling/v2": "kubernetes-models/autoscaling/v2",
  "monitoring.coreos.com/v1": "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1",
  "keda.sh/v1alpha1": "@kubernetes-models/keda/keda.sh/v1alpha1",
};

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node validate.mjs <manifests.yaml>...");
  process.exit(2);
}

const objects = [];
const problems = [];
for (const file of files) {
  const docs = parseAllDocuments(readFileSync(file, "utf8"));
  docs.forEach((doc, index) => {
    if (doc.errors.length > 0) {
      problems.push(`${file} document ${index}: YAML: ${doc.errors.map((e) => e.message).join("; ")}`);
      return;
    }
    const object = doc.toJS();
    if (object === null || object === undefined) {
      return;
    }
    objects.push({ file, index, object });
  });
}

function label(entry) {
  const { apiVersion, kind, metadata } = entry.object;
  return `${basename(entry.file)}#${entry.index} ${apiVersion}/${kind} ${metadata?.name ?? "(no name)"}`;
}

// Pass 1: the OpenAPI schemas.
for (const entry of objects) {
  const { apiVersion, kind } = entry.object;
  const module = MODULES[apiVersion];
  if (!module) {
    problems.push(`${label(entry)}: no schema for apiVersion ${apiVersion}`);
    continue;
  }
  let model;
  try {
    model = (await import(`${module}/${kind}`))[kind];
  } catch (e) {
    problems.push(`${label(entry)}: no schema for kind ${kind} in ${apiVersion}`);
    continue;
  }
  entry.module = module;
  try {
    new model(entry.object).validate();
    console.log(`schema ok  ${label(entry)}`);
  } catch (e) {
    problems.push(`${label(entry)}: ${e.message}`);
  }
}

// Pass 2: unknown fields, through the model types.
const typed = objects.filter((entry) => entry.module);
if (typed.length > 0) {
  const scratch = join(here, "target");
  mkdirSync(scratch, { recursive: true });
  const source = join(scratch, `manifests-${process.pid}.ts`).replaceAll("\\", "/");
  const lines = typed.map((entry, i) => `import type { I${entry.object.kind} as T${i} } from "${entry.module}/${entry.object.kind}";`);
  typed.forEach((entry, i) => lines.push(...`export const o${i}: T${i} = ${JSON.stringify(entry.object, null, 2)};`.split("\n")));
  writeFileSync(source, lines.join("\n"));
  const program = ts.createProgram([source], {
    strict: true,
    noEmit: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    skipLibCheck: true,
    types: [],
  });
  const diagnostics = ts.getPreEmitDiagnostics(program);
  const before = problems.length;
  const reported = new Set();
  const report = (line, message) => {
    const text = `${whereIs(lines, line, typed)}: ${message}`;
    if (!reported.has(text)) {
      reported.add(text);
      problems.push(text);
    }
  };
  for (const d of diagnostics) {
    const message = ts.flattenDiagnosticMessageText(d.messageText, " ");
    if (!d.file || d.file.fileName !== source) {
      problems.push(`typescript: ${message}`);
      continue;
    }
    report(d.file.getLineAndCharacterOfPosition(d.start ?? 0).line, message);
  }
  // tsc reports the first excess property of an assignment, not all of them: walk every object literal and
  // compare its keys with the properties of the type it is checked against.
  const checker = program.getTypeChecker();
  const file = program.getSourceFile(source);
  const visit = (node) => {
    if (ts.isObjectLiteralExpression(node)) {
      const contextual = checker.getContextualType(node);
      const type = contextual && checker.getNonNullableType(contextual);
      if (type && !checker.getIndexInfoOfType(type, ts.IndexKind.String) && type.getProperties().length > 0) {
        for (const property of node.properties) {
          const name = property.name && ts.isStringLiteral(property.name) ? property.name.text : undefined;
          if (name !== undefined && !checker.getPropertyOfType(type, name)) {
            const { line } = file.getLineAndCharacterOfPosition(property.getStart(file));
            report(line, `unknown field "${name}" (not in ${checker.typeToString(type)})`);
          }
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  if (problems.length === before) {
    console.log(`types ok   ${typed.length} object(s), no unknown fields`);
  }
  rmSync(source, { force: true });
}

// "file#doc apiVersion/Kind name: spec.template.spec" for a line of the generated source: the object it belongs
// to, and the keys of the object literals that enclose it.
function whereIs(lines, line, typed) {
  const path = [];
  let depth = Infinity;
  for (let n = line; n >= 0; n--) {
    const text = lines[n];
    const header = /^export const o(\d+):/.exec(text);
    if (header) {
      return `${label(typed[Number(header[1])])}: ${path.join(".")}`;
    }
    const indent = text.length - text.trimStart().length;
    if (indent < depth) {
      const key = /^\s*"([^"]+)":/.exec(text);
      if (key) path.unshift(key[1]);
      depth = indent;
    }
  }
  return "(imports)";
}

if (problems.length > 0) {
  for (const p of problems) console.error(`INVALID ${p}`);
  console.error(`${problems.length} problem(s) in ${objects.length} object(s)`);
  process.exit(1);
}
console.log(`${objects.length} object(s) valid`);
