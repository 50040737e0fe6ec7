// Validate Kubernetes objects (JSON files; a "List" is validated item by
// item) against the official OpenAPI schemas that the npm package
// kubernetes-models carries, offline. Exit 1 on any invalid object, on a
// kind with no schema here, or if the validator does not reject a known-bad
// object (so a broken setup cannot pass silently).
//
// usage: node validate.mjs FILE.json...
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { StatefulSet, Deployment } from "kubernetes-models/apps/v1";
import { ConfigMap, Secret, Service } from "kubernetes-models/v1";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";

const models = {
  "apps/v1/StatefulSet": StatefulSet,
  "apps/v1/Deployment": Deployment,
  "v1/Service": Service,
  "v1/ConfigMap": ConfigMap,
  "v1/Secret": Secret,
  "networking.k8s.io/v1/NetworkPolicy": NetworkPolicy,
};
// OpenShift's own kinds: no npm package with their schemas is reachable
// from here (see docs/OPENSHIFT.md); they are listed, not validated.
const unvalidated = new Set([
  "build.openshift.io/v1/BuildConfig",
  "image.openshift.io/v1/ImageStream",
]);

function check(obj, where) {
  const key = `${obj.apiVersion}/${obj.kind}`;
  const Model = models[key];
  if (!Model) {
    if (unvalidated.has(key)) {
      console.log(`  SKIP  ${where}: ${key} (no official schema available offline)`);
      return 0;
    }
    console.log(`  FAIL  ${where}: no schema for ${key}`);
    return 1;
  }
  try {
    new Model(obj).validate();
    console.log(`  ok    ${where}: ${key} ${obj.metadata?.name ?? ""}`);
    return 0;
  } catch (e) {
    console.log(`  FAIL  ${where}: ${key} ${obj.metadata?.name ?? ""}: ${e.message}`);
    return 1;
  }
}

// The validator must catch mistakes, or every "ok" below means nothing.
const bad = { apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "x" },
              spec: { replicas: "one", selector: {}, template: {} } };
let rejected = false;
try { new StatefulSet(bad).validate(); } catch { rejected = true; }
if (!rejected) {
  console.log("  FAIL  the validator accepted a StatefulSet with replicas \"one\"");
  process.exit(1);
}

let failures = 0, count = 0;
for (const file of process.argv.slice(2)) {
  const doc = JSON.parse(readFileSync(file, "utf8"));
  const items = doc.kind === "List" ? doc.items : [doc];
  items.forEach((obj, i) => {
    count++;
    failures += check(obj, doc.kind === "List" ? `${basename(file)}[${i}]` : basename(file));
  });
}
if (count === 0) {
  console.log("  FAIL  no objects to validate");
  process.exit(1);
}
console.log(`schema: ${count - failures} of ${count} objects valid`);
process.exit(failures ? 1 : 0);
