// Metadata: parse, generate and sources (issue #4). Exports are added here as modules land.
export {};
