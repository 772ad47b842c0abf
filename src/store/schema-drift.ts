/**
 * Compares a live database with schema.prisma, without Prisma's schema engine (which cannot run
 * offline here, nor on PGlite): what schema.prisma implies — enums, tables, columns with their types,
 * nullability and defaults, primary keys, unique and plain indexes, foreign keys, all with Prisma's
 * default names — against what the PostgreSQL catalog says. An empty list means no drift.
 *
 * The schema side is Prisma's DMMF (from @prisma/prisma-schema-wasm's get_dmmf); only the subset
 * of its shape read here is typed.
 */
import type { SqlSession } from './sql-driver.js';

interface DmmfField {
  name: string;
  dbName?: string | null;
  kind: 'scalar' | 'enum' | 'object' | 'unsupported';
  type: string;
  isList: boolean;
  isRequired: boolean;
  isUpdatedAt: boolean;
  hasDefaultValue: boolean;
  default?: unknown;
  nativeType?: [string, string[]] | null;
  relationFromFields?: string[];
  relationToFields?: string[];
  relationOnDelete?: string;
}

interface DmmfModel {
  name: string;
  dbName: string | null;
  fields: DmmfField[];
}

export interface DmmfDatamodel {
  enums: { name: string; dbName?: string | null; values: { name: string; dbName?: string | null }[] }[];
  models: DmmfModel[];
  indexes: {
    model: string;
    type: 'id' | 'unique' | 'normal' | 'fulltext';
    dbName?: string | null;
    fields: { name: string }[];
  }[];
}

/** A database schema reduced to comparable facts, keyed by a readable name. */
export type SchemaFacts = Map<string, string>;

const SCALAR_TYPES: Record<string, string> = {
  String: 'text',
  Int: 'integer',
  BigInt: 'bigint',
  Float: 'double precision',
  Boolean: 'boolean',
  DateTime: 'timestamp(3) without time zone',
  Json: 'jsonb',
  Decimal: 'numeric(65,30)',
  Bytes: 'bytea',
};

function nativeTypeSql([name, args]: [string, string[]]): string {
  const a = args.length ? `(${args.join(',')})` : '';
  const map: Record<string, string> = {
    Text: 'text',
    VarChar: `character varying${a}`,
    Char: `character${a}`,
    Uuid: 'uuid',
    Integer: 'integer',
    SmallInt: 'smallint',
    BigInt: 'bigint',
    DoublePrecision: 'double precision',
    Real: 'real',
    Boolean: 'boolean',
    Date: 'date',
    Timestamp: `timestamp${a} without time zone`,
    Timestamptz: `timestamp${a} with time zone`,
    JsonB: 'jsonb',
    Json: 'json',
    Decimal: `numeric${a}`,
  };
  return map[name] ?? `(native type ${name} not supported by the drift check)`;
}

const ON_DELETE_SQL: Record<string, string> = {
  Cascade: 'CASCADE',
  Restrict: 'RESTRICT',
  NoAction: 'NO ACTION',
  SetNull: 'SET NULL',
  SetDefault: 'SET DEFAULT',
};

/** The facts schema.prisma implies for a PostgreSQL database migrated to it. */
export function factsFromDmmf(datamodel: DmmfDatamodel): SchemaFacts {
  const facts: SchemaFacts = new Map();
  const enumDbName = new Map(datamodel.enums.map((e) => [e.name, e.dbName ?? e.name]));
  for (const e of datamodel.enums)
    facts.set(`enum ${e.dbName ?? e.name}`, e.values.map((v) => v.dbName ?? v.name).join(', '));

  const tableOf = new Map(datamodel.models.map((m) => [m.name, m.dbName ?? m.name]));
  const columnOf = (model: DmmfModel, field: string) => {
    const f = model.fields.find((x) => x.name === field);
    return f?.dbName ?? field;
  };

  for (const model of datamodel.models) {
    const table = tableOf.get(model.name)!;
    facts.set(`table ${table}`, 'exists');
    for (const field of model.fields) {
      if (field.kind === 'object') {
        if (!field.relationFromFields?.length) continue;
        const cols = field.relationFromFields.map((f) => columnOf(model, f));
        const target = datamodel.models.find((m) => m.name === field.type)!;
        const refCols = (field.relationToFields ?? []).map((f) => columnOf(target, f));
        const required = field.relationFromFields.every(
          (f) => model.fields.find((x) => x.name === f)?.isRequired,
        );
        const onDelete = ON_DELETE_SQL[field.relationOnDelete ?? (required ? 'Restrict' : 'SetNull')];
        facts.set(
          `foreign key ${table}_${cols.join('_')}_fkey`,
          `${table}(${cols.join(', ')}) -> ${tableOf.get(target.name)}(${refCols.join(', ')}) on delete ${onDelete} on update CASCADE`,
        );
        continue;
      }
      const column = field.dbName ?? field.name;
      let type =
        field.kind === 'enum'
          ? enumDbName.get(field.type)!
          : field.nativeType
            ? nativeTypeSql(field.nativeType)
            : (SCALAR_TYPES[field.type] ?? `(type ${field.type} not supported by the drift check)`);
      if (field.isList) type += '[]';
      facts.set(`column ${table}.${column}`, `${type} ${field.isRequired ? 'not null' : 'null'}`);
      const def = expectedDefault(field, table, column, enumDbName);
      if (def !== undefined) facts.set(`default ${table}.${column}`, def);
    }
  }

  for (const index of datamodel.indexes) {
    const model = datamodel.models.find((m) => m.name === index.model)!;
    const table = tableOf.get(model.name)!;
    const cols = index.fields.map((f) => columnOf(model, f.name));
    const suffix = { id: 'pkey', unique: 'key', normal: 'idx', fulltext: 'idx' }[index.type];
    const name =
      index.dbName ?? (index.type === 'id' ? `${table}_pkey` : `${table}_${cols.join('_')}_${suffix}`);
    const kind = index.type === 'id' ? 'primary key' : index.type === 'unique' ? 'unique index' : 'index';
    facts.set(`index ${name}`, `${kind} on ${table}(${cols.join(', ')})`);
  }
  return facts;
}

function expectedDefault(
  field: DmmfField,
  table: string,
  column: string,
  enumDbName: Map<string, string>,
): string | undefined {
  if (!field.hasDefaultValue) return undefined;
  const d = field.default;
  if (d && typeof d === 'object' && 'name' in d) {
    const fn = (d as { name: string }).name;
    if (fn === 'autoincrement') return `nextval('${table}_${column}_seq'::regclass)`;
    if (fn === 'now') return 'CURRENT_TIMESTAMP';
    // uuid(), cuid() and the like are filled in by the client, not the database.
    return undefined;
  }
  if (field.kind === 'enum') return `'${String(d)}'::${enumDbName.get(field.type)}`;
  // A Json field's default is JSON text, which PostgreSQL stores cast to the column's jsonb.
  if (typeof d === 'string') return `'${d.replace(/'/g, "''")}'::${field.type === 'Json' ? 'jsonb' : 'text'}`;
  return String(d);
}

/** The same facts read from the database's catalog (schema `public`, Prisma's bookkeeping table excluded). */
export async function factsFromDatabase(db: SqlSession): Promise<SchemaFacts> {
  const facts: SchemaFacts = new Map();
  const enums = await db.query<{ name: string; labels: string[] }>(`
    SELECT t.typname::text AS name, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS labels
      FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
     WHERE n.nspname = 'public' GROUP BY t.typname`);
  for (const e of enums) facts.set(`enum ${e.name}`, e.labels.join(', '));

  const columns = await db.query<{
    table: string;
    column: string;
    type: string;
    not_null: boolean;
    default: string | null;
  }>(`
    SELECT c.relname::text AS table, a.attname::text AS column, format_type(a.atttypid, a.atttypmod) AS type,
           a.attnotnull AS not_null, pg_get_expr(d.adbin, d.adrelid) AS default
      FROM pg_attribute a
      JOIN pg_class c ON c.oid = a.attrelid
      JOIN pg_namespace n ON n.oid = c.relnamespace
      LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
       AND c.relname <> '_prisma_migrations'`);
  for (const c of columns) {
    facts.set(`table ${c.table}`, 'exists');
    facts.set(`column ${c.table}.${c.column}`, `${c.type} ${c.not_null ? 'not null' : 'null'}`);
    if (c.default !== null) facts.set(`default ${c.table}.${c.column}`, c.default);
  }

  const indexes = await db.query<{
    name: string;
    table: string;
    primary: boolean;
    unique: boolean;
    columns: string[];
  }>(`
    SELECT ic.relname::text AS name, tc.relname::text AS table, ix.indisprimary AS primary, ix.indisunique AS unique,
           (SELECT array_agg(a.attname::text ORDER BY k.ord)
              FROM unnest(ix.indkey::int2[]) WITH ORDINALITY k(attnum, ord)
              JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.attnum) AS columns
      FROM pg_index ix
      JOIN pg_class ic ON ic.oid = ix.indexrelid
      JOIN pg_class tc ON tc.oid = ix.indrelid
      JOIN pg_namespace n ON n.oid = tc.relnamespace
     WHERE n.nspname = 'public' AND tc.relname <> '_prisma_migrations'`);
  for (const i of indexes) {
    const kind = i.primary ? 'primary key' : i.unique ? 'unique index' : 'index';
    facts.set(`index ${i.name}`, `${kind} on ${i.table}(${i.columns.join(', ')})`);
  }

  const foreignKeys = await db.query<{
    name: string;
    table: string;
    columns: string[];
    ref_table: string;
    ref_columns: string[];
    on_delete: string;
    on_update: string;
  }>(`
    SELECT con.conname::text AS name, tc.relname::text AS table, rc.relname::text AS ref_table,
           (SELECT array_agg(a.attname::text ORDER BY k.ord) FROM unnest(con.conkey) WITH ORDINALITY k(attnum, ord)
              JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum) AS columns,
           (SELECT array_agg(a.attname::text ORDER BY k.ord) FROM unnest(con.confkey) WITH ORDINALITY k(attnum, ord)
              JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum) AS ref_columns,
           con.confdeltype::text AS on_delete, con.confupdtype::text AS on_update
      FROM pg_constraint con
      JOIN pg_class tc ON tc.oid = con.conrelid
      JOIN pg_class rc ON rc.oid = con.confrelid
      JOIN pg_namespace n ON n.oid = tc.relnamespace
     WHERE n.nspname = 'public' AND con.contype = 'f'`);
  const action: Record<string, string> = {
    a: 'NO ACTION',
    r: 'RESTRICT',
    c: 'CASCADE',
    n: 'SET NULL',
    d: 'SET DEFAULT',
  };
  for (const f of foreignKeys)
    facts.set(
      `foreign key ${f.name}`,
      `${f.table}(${f.columns.join(', ')}) -> ${f.ref_table}(${f.ref_columns.join(', ')}) on delete ${action[f.on_delete]} on update ${action[f.on_update]}`,
    );
  return facts;
}

/** Human-readable differences, empty when the two agree. */
export function diffFacts(expected: SchemaFacts, actual: SchemaFacts): string[] {
  const problems: string[] = [];
  for (const [key, want] of expected) {
    const have = actual.get(key);
    if (have === undefined) problems.push(`${key}: missing in the database (schema.prisma: ${want})`);
    else if (have !== want) problems.push(`${key}: database has "${have}", schema.prisma says "${want}"`);
  }
  for (const [key, have] of actual)
    if (!expected.has(key)) problems.push(`${key}: in the database (${have}) but not in schema.prisma`);
  return problems.sort();
}
