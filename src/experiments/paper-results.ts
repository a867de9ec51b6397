// The paper's reported test accuracies (Tables 1–4 of "Pruning at Initialization – A Sketching Perspective"),
// transcribed from /work/shared/paper, so a report can show them beside ours. Mean ± std in percent over 3
// seeds (Section 8: "the average and standard deviation of 3 different seeds"); std null where the paper
// prints a single number (Table 3, and chance-level cells such as 1.00 / 10.0). Method labels are ours
// (run-spec.ts's methodLabel), which follow the paper's column names.
export interface PaperResult {
  table: 'Table 1' | 'Table 2' | 'Table 3' | 'Table 4';
  dataset: string;
  model: string;
  density: number;
  method: string;
  mean: number;
  std: number | null;
  /** Seeds behind the number. */
  n: number;
}

type Row = [dataset: string, model: string, density: number, ...cells: string[]];

function parse(table: PaperResult['table'], methods: string[], rows: Row[], n = 3): PaperResult[] {
  return rows.flatMap(([dataset, model, density, ...cells]) => {
    if (cells.length !== methods.length) throw new Error(`paper ${table} ${dataset} ${model} ${density}: ${cells.length} cells for ${methods.length} methods`);
    return cells.map((cell, j) => {
      const [mean, std] = cell.split('±').map((part) => Number(part.trim()));
      return { table, dataset, model, density, method: methods[j]!, mean: mean!, std: std === undefined ? null : std, n };
    });
  });
}

const table1Methods = ['SynFlow', 'SynFlow + χ', 'SynFlow + rand. mask', 'SynFlow + rand. mask + χ', 'SNIP + normal data',
  'SNIP + normal data + rand. mask', 'SNIP + sparse data', 'SNIP + sparse data + rand. mask'];

/** Table 2 is printed with methods as rows and (model, density) as columns: turn it into (dataset, model, density) rows. */
function byColumns(methods: string[], columns: [string, number][], rows: [dataset: string, method: string, ...cells: string[]][]): Row[] {
  const datasets = [...new Set(rows.map(([dataset]) => dataset))];
  return datasets.flatMap((dataset) => {
    const cells = new Map(rows.filter((row) => row[0] === dataset).map(([, method, ...values]) => [method, values]));
    return columns.map(([model, density], c): Row => [dataset, model, density, ...methods.map((method) => {
      const cell = cells.get(method)?.[c];
      if (cell === undefined) throw new Error(`paper Table 2 ${dataset}: no cell for ${method} at ${model} ${density}`);
      return cell;
    })]);
  });
}
const vggResnet: [string, number][] = [['vgg19', 0.1], ['vgg19', 0.05], ['vgg19', 0.02], ['resnet20', 0.1], ['resnet20', 0.05], ['resnet20', 0.02]];
const table2Methods = ['Random', 'Magnitude', 'GraSP (supervised)', 'GraSP + normal data', 'GraSP + normal data + rand. mask',
  'IMP (supervised)', 'IMP + rand. data', 'IMP + rand. data + rand. mask'];

export const paperResults: readonly PaperResult[] = [
  ...parse('Table 1', table1Methods, [
    ['cifar10', 'vgg19', 0.1, '93.01±0.19', '93.12±0.12', '93.06±0.12', '93.12±0.18', '92.15±0.07', '92.55±0.57', '92.85±0.06', '93.16±0.36'],
    ['cifar10', 'vgg19', 0.05, '92.68±0.11', '92.52±0.20', '92.44±0.11', '92.63±0.2', '91.53±0.04', '92.18±0.78', '92.02±0.18', '92.79±0.78'],
    ['cifar10', 'vgg19', 0.02, '91.68±0.28', '91.32±0.11', '91.63±0.16', '91.71±0.28', '90.35±0.31', '91.04±0.14', '90.97±0.11', '92.03±0.91'],
    ['cifar10', 'resnet20', 0.1, '86.55±0.18', '86.70±0.32', '86.74±0.22', '86.59±0.29', '85.69±0.37', '86.77±0.41', '85.85±0.07', '87.02±0.65'],
    ['cifar10', 'resnet20', 0.05, '83.19±0.36', '83.28±0.31', '83.55±0.38', '83.45±0.42', '82.37±0.69', '83.59±0.4', '82.29±0.01', '83.72±0.73'],
    ['cifar10', 'resnet20', 0.02, '77.06±0.35', '77.10±0.12', '77.74±0.51', '77.74±0.43', '77.2±0.56', '78.99±0.73', '76.98±0.66', '79.39±0.49'],
    ['cifar100', 'vgg19', 0.1, '69.90±0.26', '69.84±0.15', '69.97±0.43', '70.24±0.29', '72.75±0.22', '72.67±0.01', '72.13±0.08', '72.49±0.33'],
    ['cifar100', 'vgg19', 0.05, '68.25±0.66', '68.39±0.31', '68.65±0.33', '68.32±0.08', '71.48±0.72', '71.34±0.03', '71.05±0.11', '71.51±0.45'],
    ['cifar100', 'vgg19', 0.02, '65.98±0.38', '65.68±0.23', '65.87±0.50', '66.00±0.22', '1.00', '1.00', '48.48±13.88', '53.05±15.38'],
    ['cifar100', 'resnet20', 0.1, '50.66±0.78', '50.97±0.51', '52.29±0.64', '51.80±0.60', '66.90±0.33', '67.11±0.62', '67.32±0.13', '67.52±0.10'],
    ['cifar100', 'resnet20', 0.05, '41.12±0.92', '40.87±0.76', '42.92±0.53', '42.44±0.48', '60.97±0.45', '61.03±0.03', '61.94±0.60', '62.68±0.32'],
    ['cifar100', 'resnet20', 0.02, '23.39±1.04', '23.52±0.27', '24.89±0.75', '24.35±0.72', '47.61±4.15', '48.86±0.07', '50.30±0.04', '51.76±0.36'],
  ]),
  ...parse('Table 2', table2Methods, byColumns(table2Methods, vggResnet, [
    ['cifar10', 'Random', '91.14±0.08', '89.24±0.22', '86.28±0.04', '85.04±0.12', '72.08±1.38', '10.0'],
    ['cifar10', 'Magnitude', '93.05±0.22', '92.23±0.9', '91.28±0.43', '84.88±0.7', '81.97±0.52', '75.15±0.86'],
    ['cifar10', 'GraSP (supervised)', '92.21±0.69', '91.68±1.21', '90.92±1.28', '87.28±0.04', '84.37±0.21', '79.53±0.06'],
    ['cifar10', 'GraSP + normal data', '92.23±0.95', '91.23±0.91', '90.9±1.63', '86.3±0.46', '83.61±0.13', '79.59±0.1'],
    ['cifar10', 'GraSP + normal data + rand. mask', '92.12±0.88', '91.57±1.1', '91.22±1.08', '86.59±0.29', '84.35±1.34', '78.36±0.16'],
    ['cifar10', 'IMP (supervised)', '93.56±0.19', '92.64±0.19', '89.63±1.57', '89.63±0.24', '85.99±1.3', '82.46±0.73'],
    ['cifar10', 'IMP + rand. data', '91.53±0.32', '91.42±0.19', '90.58±0.69', '85.46±0.11', '83.07±0.11', '77.97±0.04'],
    ['cifar10', 'IMP + rand. data + rand. mask', '91.57±0.03', '91.45±0.12', '90.55±0.7', '85.5±0.15', '82.77±0.13', '77.54±0.49'],
    ['cifar100', 'Random', '66.02±0.13', '62.7±0.57', '58.28±0.25', '51.09±0.43', '26.61±3.51', '1.0±0.0'],
    ['cifar100', 'Magnitude', '69.43±0.49', '68.09±0.21', '65.18±0.47', '52.03±0.24', '45.64±0.4', '32.9±0.65'],
    ['cifar100', 'GraSP (supervised)', '70.64±0.43', '70.03±0.55', '67.78±0.42', '67.24±0.23', '63.08±0.33', '53.18±0.94'],
    ['cifar100', 'GraSP + normal data', '70.52±0.18', '70.06±0.29', '68.07±0.16', '67.37±0.02', '63.66±0.06', '54.15±0.63'],
    ['cifar100', 'GraSP + normal data + rand. mask', '71.15±0.32', '70.08±0.01', '68.53±0.18', '67.39±0.46', '64.34±0.15', '53.79±0.16'],
    ['cifar100', 'IMP (supervised)', '70.88±0.96', '69.87±1.28', '67.9±1.36', '58.38±2.97', '50.39±0.16', '40.88±0.22'],
    ['cifar100', 'IMP + rand. data', '66.84±0.16', '66.23±0.17', '54.81±6.87', '51.66±0.68', '43.84±0.17', '32.92±0.65'],
    ['cifar100', 'IMP + rand. data + rand. mask', '67.1±0.21', '65.3±0.23', '59.05±0.14', '52.05±0.6', '44.68±0.38', '33.37±0.74'],
  ])),
  ...parse('Table 3', ['SynFlow', 'SynFlow + rand. mask'], [
    ['tiny-imagenet', 'resnet18', 0.1, '58.3', '60.64'], ['tiny-imagenet', 'resnet18', 0.05, '57.63', '58.57'], ['tiny-imagenet', 'resnet18', 0.02, '54.62', '55.56'],
    ['tiny-imagenet', 'wrn18', 0.1, '59.25', '60.22'], ['tiny-imagenet', 'wrn18', 0.05, '57.49', '58.84'], ['tiny-imagenet', 'wrn18', 0.02, '54.8', '55.54'],
  ]),
  // Table 4's second row repeats Table 1's last column; only the supervised SNIP row is new.
  ...parse('Table 4', ['SNIP (supervised)'], [
    ['cifar10', 'vgg19', 0.1, '92.62±0.09'], ['cifar10', 'vgg19', 0.05, '91.66±0.25'], ['cifar10', 'vgg19', 0.02, '90.92±0.16'],
    ['cifar10', 'resnet20', 0.1, '86.29±0.92'], ['cifar10', 'resnet20', 0.05, '82.55±1.02'], ['cifar10', 'resnet20', 0.02, '78.16±0.8'],
    ['cifar100', 'vgg19', 0.1, '71.80±0.66'], ['cifar100', 'vgg19', 0.05, '71.07±0.23'], ['cifar100', 'vgg19', 0.02, '56.05±13.97'],
    ['cifar100', 'resnet20', 0.1, '67.03±0.04'], ['cifar100', 'resnet20', 0.05, '61.80±0.38'], ['cifar100', 'resnet20', 0.02, '49.42±0.65'],
  ]),
];

/**
 * For a preset run at CPU scale (LeNet-300-100 or ResNet-20 on Fashion-MNIST: settings the paper has no numbers
 * for), the paper setting shown beside ours: the first one of the paper's table the preset reproduces.
 */
const referenceSettings: Record<string, { dataset: string; model: string }> = {
  demo: { dataset: 'cifar10', model: 'vgg19' },
  table1: { dataset: 'cifar10', model: 'vgg19' },
  table2: { dataset: 'cifar10', model: 'vgg19' },
  table3: { dataset: 'tiny-imagenet', model: 'resnet18' },
  table4: { dataset: 'cifar10', model: 'vgg19' },
};

export interface PaperMatch { result: PaperResult; exact: boolean }

/**
 * The paper's number for our cell (dataset, model, density, method): the same setting if the paper has it
 * (exact), else, for a preset, the same method and density in the preset's reference setting.
 */
export function paperResultFor(experiment: string, key: { dataset?: unknown; model?: unknown; density?: unknown; method?: unknown }): PaperMatch | undefined {
  const find = (dataset: unknown, model: unknown): PaperResult | undefined =>
    paperResults.find((r) => r.dataset === dataset && r.model === model && r.density === key.density && r.method === key.method);
  const exact = find(key.dataset, key.model);
  if (exact) return { result: exact, exact: true };
  const reference = referenceSettings[experiment];
  const fallback = reference && find(reference.dataset, reference.model);
  return fallback ? { result: fallback, exact: false } : undefined;
}
