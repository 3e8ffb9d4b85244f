/**
 * Generates the demo catalog, `data/demo-catalog/products.jsonl`: one shopsense.catalog.v1
 * Product per line, as protobuf JSON. Deterministic (a seeded PRNG), so the committed output is
 * reproducible:
 *
 *   node -r @swc-node/register data/demo-catalog/generate.ts
 *
 * Every word list below is written for this project (no third-party text). Brands are fictional
 * or well-known names used as plain words. Titles are English, Chinese or bilingual, the way a
 * cross-border shop lists them; attribute values are canonical English (`color: black`) for every
 * product, because a filter value has to match products whatever the title's language.
 * Prices are in USD for the whole catalog (one currency keeps price filters meaningful).
 *
 * The word lists are exported: eval:search builds its graded queries from them. Importing this
 * module writes nothing.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { create, toJsonString } from '@bufbuild/protobuf';
import { ProductSchema, type Product } from '@shopsense/contracts';
import { seededRandom } from '@shopsense/random';

type Lang = 'en' | 'zh' | 'bi';

export interface Brand {
  en: string;
  /** Chinese name; a brand without one keeps its Latin name in Chinese titles. */
  zh?: string;
}

export interface Word {
  en: string;
  zh: string;
}

export interface CategorySpec {
  path: string[];
  nouns: Word[];
  brands: string[];
  price: [number, number];
  features: Word[];
  attributes: Partial<Record<AttributeKey, string[]>>;
  count: number;
}

export type AttributeKey = 'color' | 'size' | 'gender' | 'material' | 'storage' | 'capacity' | 'weight' | 'roast' | 'connectivity';

export const BRANDS: Record<string, Brand> = {
  nike: { en: 'Nike', zh: '耐克' },
  adidas: { en: 'Adidas', zh: '阿迪达斯' },
  lining: { en: 'Li Ning', zh: '李宁' },
  anta: { en: 'Anta', zh: '安踏' },
  stridewell: { en: 'Stridewell', zh: '步优' },
  trailhawk: { en: 'Trailhawk', zh: '山鹰' },
  uniqlo: { en: 'Uniqlo', zh: '优衣库' },
  northpeak: { en: 'Northpeak', zh: '北峰' },
  linenloom: { en: 'Linen & Loom' },
  hengyuan: { en: 'Hengyuan', zh: '恒源' },
  sony: { en: 'Sony', zh: '索尼' },
  xiaomi: { en: 'Xiaomi', zh: '小米' },
  huawei: { en: 'Huawei', zh: '华为' },
  apple: { en: 'Apple', zh: '苹果' },
  voltra: { en: 'Voltra', zh: '沃创' },
  pixelon: { en: 'Pixelon' },
  keyforge: { en: 'Keyforge', zh: '键匠' },
  midea: { en: 'Midea', zh: '美的' },
  supor: { en: 'Supor', zh: '苏泊尔' },
  philips: { en: 'Philips', zh: '飞利浦' },
  oakhome: { en: 'Oakhome', zh: '橡木家' },
  kitchenary: { en: 'Kitchenary' },
  loreal: { en: "L'Oreal", zh: '欧莱雅' },
  dewlane: { en: 'Dewlane', zh: '露澜' },
  petalis: { en: 'Petalis', zh: '花语' },
  decathlon: { en: 'Decathlon', zh: '迪卡侬' },
  ironpeak: { en: 'Ironpeak', zh: '铁峰' },
  zenflow: { en: 'Zenflow', zh: '禅流' },
  lego: { en: 'Lego', zh: '乐高' },
  brickly: { en: 'Brickly', zh: '砖趣' },
  cuddlebug: { en: 'Cuddlebug', zh: '萌虫' },
  zoomrider: { en: 'Zoomrider', zh: '飞驰' },
  greenhill: { en: 'Greenhill Farm', zh: '青山农场' },
  morningbean: { en: 'Morning Bean', zh: '晨豆' },
  yili: { en: 'Yili', zh: '伊利' },
  squirrels: { en: 'Three Squirrels', zh: '三只松鼠' },
  trailpack: { en: 'Trailpack', zh: '行囊' },
  urbanite: { en: 'Urbanite' },
};

export const COLORS: Record<string, string> = {
  black: '黑色',
  white: '白色',
  red: '红色',
  blue: '蓝色',
  green: '绿色',
  grey: '灰色',
  pink: '粉色',
  yellow: '黄色',
  brown: '棕色',
  navy: '藏青色',
  beige: '米色',
  purple: '紫色',
  silver: '银色',
  gold: '金色',
  orange: '橙色',
};

export const GENDERS: Record<string, { en: string; zh: string }> = {
  men: { en: "Men's", zh: '男款' },
  women: { en: "Women's", zh: '女款' },
  unisex: { en: 'Unisex', zh: '中性' },
  kids: { en: "Kids'", zh: '儿童' },
};

const MATERIALS: Record<string, string> = {
  mesh: '网面',
  leather: '真皮',
  canvas: '帆布',
  suede: '麂皮',
  cotton: '纯棉',
  polyester: '涤纶',
  denim: '牛仔布',
  wool: '羊毛',
  linen: '亚麻',
  'stainless steel': '不锈钢',
  'cast iron': '铸铁',
  aluminium: '铝合金',
  ceramic: '陶瓷',
  glass: '玻璃',
  plastic: '塑料',
  nylon: '尼龙',
  tpe: 'TPE',
  rubber: '橡胶',
};

const w = (en: string, zh: string): Word => ({ en, zh });
const shoeSizes = ['36', '37', '38', '39', '40', '41', '42', '43', '44', '45'];
const clothingSizes = ['XS', 'S', 'M', 'L', 'XL', 'XXL'];

export const CATEGORIES: CategorySpec[] = [
  {
    path: ['Shoes', 'Running Shoes'],
    nouns: [w('Running Shoes', '跑鞋'), w('Road Running Shoes', '跑鞋'), w('Trail Running Shoes', '越野跑鞋')],
    brands: ['nike', 'adidas', 'lining', 'anta', 'stridewell'],
    price: [39, 189],
    features: [w('Breathable', '透气'), w('Lightweight', '轻量'), w('Cushioned', '缓震'), w('Non-Slip', '防滑')],
    attributes: { color: ['black', 'white', 'blue', 'grey', 'red', 'pink'], size: shoeSizes, gender: ['men', 'women'], material: ['mesh'] },
    count: 40,
  },
  {
    path: ['Shoes', 'Sneakers'],
    nouns: [w('Sneakers', '板鞋'), w('Casual Sneakers', '休闲鞋'), w('Low Top Sneakers', '低帮板鞋')],
    brands: ['nike', 'adidas', 'anta', 'stridewell'],
    price: [35, 149],
    features: [w('Classic', '经典'), w('Retro', '复古'), w('Everyday', '百搭')],
    attributes: { color: ['white', 'black', 'beige', 'green'], size: shoeSizes, gender: ['men', 'women', 'unisex'], material: ['canvas', 'leather', 'suede'] },
    count: 30,
  },
  {
    path: ['Shoes', 'Boots'],
    nouns: [w('Hiking Boots', '登山靴'), w('Ankle Boots', '短靴'), w('Chelsea Boots', '切尔西靴')],
    brands: ['trailhawk', 'stridewell', 'decathlon'],
    price: [59, 229],
    features: [w('Waterproof', '防水'), w('Warm Lined', '加绒'), w('Durable', '耐磨')],
    attributes: { color: ['brown', 'black', 'beige'], size: shoeSizes, gender: ['men', 'women'], material: ['leather', 'suede'] },
    count: 26,
  },
  {
    path: ['Shoes', 'Sandals'],
    nouns: [w('Sandals', '凉鞋'), w('Slides', '拖鞋'), w('Beach Sandals', '沙滩凉鞋')],
    brands: ['nike', 'adidas', 'anta', 'stridewell'],
    price: [15, 79],
    features: [w('Soft Sole', '软底'), w('Quick Dry', '速干'), w('Summer', '夏季')],
    attributes: { color: ['black', 'white', 'pink', 'blue'], size: shoeSizes, gender: ['men', 'women', 'kids'], material: ['rubber', 'plastic'] },
    count: 24,
  },
  {
    path: ['Shoes', 'Leather Shoes'],
    nouns: [w('Leather Shoes', '皮鞋'), w('Oxford Shoes', '牛津鞋'), w('Loafers', '乐福鞋')],
    brands: ['stridewell', 'hengyuan'],
    price: [69, 259],
    features: [w('Formal', '正装'), w('Business', '商务'), w('Handmade', '手工')],
    attributes: { color: ['black', 'brown'], size: shoeSizes, gender: ['men', 'women'], material: ['leather'] },
    count: 22,
  },
  {
    path: ['Clothing', 'T-Shirts'],
    nouns: [w('T-Shirt', 'T恤'), w('Crew Neck T-Shirt', '圆领T恤'), w('Graphic Tee', '印花T恤')],
    brands: ['uniqlo', 'nike', 'adidas', 'northpeak', 'hengyuan'],
    price: [9, 45],
    features: [w('Short Sleeve', '短袖'), w('Oversized', '宽松'), w('Slim Fit', '修身')],
    attributes: { color: ['white', 'black', 'grey', 'navy', 'red', 'yellow'], size: clothingSizes, gender: ['men', 'women', 'unisex'], material: ['cotton', 'polyester'] },
    count: 36,
  },
  {
    path: ['Clothing', 'Jackets'],
    nouns: [w('Jacket', '夹克'), w('Down Jacket', '羽绒服'), w('Windbreaker', '冲锋衣')],
    brands: ['northpeak', 'uniqlo', 'trailhawk', 'decathlon'],
    price: [49, 299],
    features: [w('Windproof', '防风'), w('Hooded', '连帽'), w('Packable', '便携')],
    attributes: { color: ['black', 'navy', 'green', 'red', 'beige'], size: clothingSizes, gender: ['men', 'women'], material: ['nylon', 'polyester'] },
    count: 30,
  },
  {
    path: ['Clothing', 'Dresses'],
    nouns: [w('Dress', '连衣裙'), w('Maxi Dress', '长裙'), w('Midi Dress', '中长裙')],
    brands: ['uniqlo', 'linenloom', 'hengyuan'],
    price: [25, 129],
    features: [w('Floral', '碎花'), w('Summer', '夏季'), w('Elegant', '优雅')],
    attributes: { color: ['red', 'white', 'blue', 'pink', 'black', 'yellow'], size: clothingSizes, gender: ['women'], material: ['cotton', 'linen', 'polyester'] },
    count: 30,
  },
  {
    path: ['Clothing', 'Jeans'],
    nouns: [w('Jeans', '牛仔裤'), w('Straight Leg Jeans', '直筒牛仔裤'), w('Skinny Jeans', '紧身牛仔裤')],
    brands: ['uniqlo', 'linenloom', 'hengyuan'],
    price: [29, 119],
    features: [w('Stretch', '弹力'), w('High Waist', '高腰'), w('Classic', '经典')],
    attributes: { color: ['blue', 'black', 'grey'], size: clothingSizes, gender: ['men', 'women'], material: ['denim'] },
    count: 26,
  },
  {
    path: ['Clothing', 'Hoodies'],
    nouns: [w('Hoodie', '卫衣'), w('Zip Hoodie', '开衫卫衣'), w('Pullover Hoodie', '套头卫衣')],
    brands: ['nike', 'adidas', 'uniqlo', 'northpeak', 'anta'],
    price: [25, 99],
    features: [w('Fleece', '加绒'), w('Oversized', '宽松'), w('Cozy', '舒适')],
    attributes: { color: ['grey', 'black', 'navy', 'pink', 'green'], size: clothingSizes, gender: ['men', 'women', 'unisex'], material: ['cotton', 'polyester'] },
    count: 28,
  },
  {
    path: ['Electronics', 'Audio', 'Headphones'],
    nouns: [w('Wireless Earbuds', '蓝牙耳机'), w('Over-Ear Headphones', '头戴式耳机'), w('Noise Cancelling Headphones', '降噪耳机')],
    brands: ['sony', 'xiaomi', 'huawei', 'apple', 'voltra'],
    price: [19, 349],
    features: [w('Bluetooth 5.3', '蓝牙5.3'), w('Long Battery Life', '长续航'), w('Hi-Fi', '高保真')],
    attributes: { color: ['black', 'white', 'blue', 'silver'], connectivity: ['bluetooth', 'wired'] },
    count: 34,
  },
  {
    path: ['Electronics', 'Audio', 'Speakers'],
    nouns: [w('Bluetooth Speaker', '蓝牙音箱'), w('Portable Speaker', '便携音箱'), w('Smart Speaker', '智能音箱')],
    brands: ['sony', 'xiaomi', 'voltra', 'huawei'],
    price: [25, 199],
    features: [w('Waterproof', '防水'), w('Deep Bass', '重低音'), w('Outdoor', '户外')],
    attributes: { color: ['black', 'blue', 'red', 'grey'], connectivity: ['bluetooth', 'wifi'] },
    count: 24,
  },
  {
    path: ['Electronics', 'Phones', 'Smartphones'],
    nouns: [w('Smartphone', '智能手机'), w('5G Smartphone', '5G手机'), w('Phone', '手机')],
    brands: ['xiaomi', 'huawei', 'apple', 'pixelon'],
    price: [199, 1199],
    features: [w('AMOLED Display', '高清屏'), w('Triple Camera', '三摄'), w('Fast Charging', '快充')],
    attributes: { color: ['black', 'white', 'blue', 'purple', 'gold'], storage: ['128GB', '256GB', '512GB'] },
    count: 30,
  },
  {
    path: ['Electronics', 'Phones', 'Phone Cases'],
    nouns: [w('Phone Case', '手机壳'), w('Clear Phone Case', '透明手机壳'), w('Magnetic Phone Case', '磁吸手机壳')],
    brands: ['voltra', 'pixelon', 'xiaomi', 'apple'],
    price: [5, 49],
    features: [w('Shockproof', '防摔'), w('Slim', '超薄'), w('Silicone', '硅胶')],
    attributes: { color: ['black', 'pink', 'blue', 'purple', 'green'], material: ['plastic', 'rubber'] },
    count: 28,
  },
  {
    path: ['Electronics', 'Computers', 'Laptops'],
    nouns: [w('Laptop', '笔记本电脑'), w('Gaming Laptop', '游戏本'), w('Ultrabook', '轻薄本')],
    brands: ['huawei', 'xiaomi', 'apple', 'pixelon'],
    price: [499, 2499],
    features: [w('14 Inch', '14英寸'), w('16 Inch', '16英寸'), w('Backlit Keyboard', '背光键盘')],
    attributes: { color: ['silver', 'grey', 'black'], storage: ['256GB', '512GB', '1TB'] },
    count: 26,
  },
  {
    path: ['Electronics', 'Computers', 'Mice'],
    nouns: [w('Wireless Mouse', '无线鼠标'), w('Gaming Mouse', '游戏鼠标'), w('Ergonomic Mouse', '人体工学鼠标')],
    brands: ['keyforge', 'xiaomi', 'voltra'],
    price: [9, 89],
    features: [w('Silent Click', '静音'), w('Rechargeable', '可充电'), w('Bluetooth', '蓝牙')],
    attributes: { color: ['black', 'white', 'grey', 'pink'], connectivity: ['bluetooth', 'wired', 'wireless'] },
    count: 26,
  },
  {
    path: ['Electronics', 'Computers', 'Keyboards'],
    nouns: [w('Mechanical Keyboard', '机械键盘'), w('Wireless Keyboard', '无线键盘'), w('Compact Keyboard', '小尺寸键盘')],
    brands: ['keyforge', 'xiaomi', 'voltra'],
    price: [25, 179],
    features: [w('RGB Backlit', 'RGB背光'), w('Hot Swappable', '热插拔'), w('Low Profile', '矮轴')],
    attributes: { color: ['black', 'white', 'grey'], connectivity: ['bluetooth', 'wired', 'wireless'] },
    count: 24,
  },
  {
    path: ['Electronics', 'Wearables', 'Smartwatches'],
    nouns: [w('Smartwatch', '智能手表'), w('Fitness Tracker', '运动手环'), w('Sports Watch', '运动手表')],
    brands: ['huawei', 'xiaomi', 'apple', 'voltra'],
    price: [29, 499],
    features: [w('Heart Rate Monitor', '心率监测'), w('GPS', 'GPS定位'), w('Waterproof', '防水')],
    attributes: { color: ['black', 'silver', 'pink', 'gold'] },
    count: 28,
  },
  {
    path: ['Electronics', 'Accessories', 'Chargers'],
    nouns: [w('Fast Charger', '快充充电器'), w('Power Bank', '充电宝'), w('USB-C Cable', '数据线')],
    brands: ['voltra', 'xiaomi', 'huawei', 'pixelon'],
    price: [7, 69],
    features: [w('65W', '65W'), w('Compact', '小巧'), w('Braided', '编织')],
    attributes: { color: ['white', 'black'] },
    count: 26,
  },
  {
    path: ['Home & Kitchen', 'Cookware', 'Frying Pans'],
    nouns: [w('Frying Pan', '平底锅'), w('Wok', '炒锅'), w('Skillet', '煎锅')],
    brands: ['supor', 'kitchenary', 'oakhome'],
    price: [19, 129],
    features: [w('Non-Stick', '不粘'), w('Induction Ready', '电磁炉适用'), w('28cm', '28厘米')],
    attributes: { color: ['black', 'grey', 'red'], material: ['cast iron', 'stainless steel', 'aluminium'] },
    count: 28,
  },
  {
    path: ['Home & Kitchen', 'Drinkware', 'Vacuum Flasks'],
    nouns: [w('Vacuum Flask', '保温杯'), w('Insulated Water Bottle', '保温水壶'), w('Travel Mug', '随行杯')],
    brands: ['supor', 'oakhome', 'kitchenary', 'xiaomi'],
    price: [9, 59],
    features: [w('Leak-Proof', '防漏'), w('Keeps Hot 12 Hours', '12小时保温'), w('Portable', '便携')],
    attributes: { color: ['white', 'black', 'pink', 'blue', 'green'], material: ['stainless steel'], capacity: ['350ml', '500ml', '750ml'] },
    count: 30,
  },
  {
    path: ['Home & Kitchen', 'Small Appliances', 'Rice Cookers'],
    nouns: [w('Rice Cooker', '电饭煲'), w('Smart Rice Cooker', '智能电饭煲'), w('Mini Rice Cooker', '迷你电饭煲')],
    brands: ['midea', 'supor', 'philips'],
    price: [29, 199],
    features: [w('Fuzzy Logic', '智能预约'), w('Non-Stick Inner Pot', '不粘内胆'), w('Keep Warm', '保温')],
    attributes: { color: ['white', 'black', 'silver'], capacity: ['2L', '3L', '4L', '5L'] },
    count: 24,
  },
  {
    path: ['Home & Kitchen', 'Small Appliances', 'Electric Kettles'],
    nouns: [w('Electric Kettle', '电热水壶'), w('Glass Kettle', '玻璃烧水壶'), w('Temperature Control Kettle', '恒温水壶')],
    brands: ['midea', 'supor', 'philips', 'xiaomi'],
    price: [15, 89],
    features: [w('Auto Shut-Off', '自动断电'), w('Fast Boil', '快速烧水'), w('BPA Free', '无BPA')],
    attributes: { color: ['white', 'black', 'silver'], material: ['stainless steel', 'glass'], capacity: ['1.5L', '1.7L'] },
    count: 24,
  },
  {
    path: ['Home & Kitchen', 'Bedding', 'Pillows'],
    nouns: [w('Pillow', '枕头'), w('Memory Foam Pillow', '记忆棉枕头'), w('Neck Pillow', '护颈枕')],
    brands: ['oakhome', 'hengyuan', 'kitchenary'],
    price: [12, 79],
    features: [w('Hypoallergenic', '防螨'), w('Cooling', '凉感'), w('Soft', '柔软')],
    attributes: { color: ['white', 'grey', 'beige'], material: ['cotton', 'polyester'] },
    count: 24,
  },
  {
    path: ['Beauty', 'Skincare', 'Face Cream'],
    nouns: [w('Face Cream', '面霜'), w('Moisturizer', '保湿霜'), w('Night Cream', '晚霜')],
    brands: ['loreal', 'dewlane', 'petalis'],
    price: [12, 89],
    features: [w('Hydrating', '补水'), w('Anti-Aging', '抗老'), w('For Sensitive Skin', '敏感肌')],
    attributes: { capacity: ['30ml', '50ml'] },
    count: 28,
  },
  {
    path: ['Beauty', 'Makeup', 'Lipstick'],
    nouns: [w('Lipstick', '口红'), w('Matte Lipstick', '哑光口红'), w('Lip Tint', '唇釉')],
    brands: ['loreal', 'petalis', 'dewlane'],
    price: [8, 45],
    features: [w('Long Lasting', '持久'), w('Moisturizing', '滋润'), w('Velvet', '丝绒')],
    attributes: { color: ['red', 'pink', 'brown', 'purple'] },
    count: 28,
  },
  {
    path: ['Beauty', 'Hair Care', 'Shampoo'],
    nouns: [w('Shampoo', '洗发水'), w('Anti-Dandruff Shampoo', '去屑洗发水'), w('Conditioner', '护发素')],
    brands: ['loreal', 'dewlane', 'petalis'],
    price: [6, 39],
    features: [w('Sulfate Free', '无硅油'), w('Repairing', '修护'), w('Volumizing', '蓬松')],
    attributes: { capacity: ['400ml', '750ml'] },
    count: 26,
  },
  {
    path: ['Sports', 'Yoga', 'Yoga Mats'],
    nouns: [w('Yoga Mat', '瑜伽垫'), w('Exercise Mat', '健身垫'), w('Travel Yoga Mat', '便携瑜伽垫')],
    brands: ['decathlon', 'zenflow', 'ironpeak'],
    price: [15, 89],
    features: [w('Non-Slip', '防滑'), w('Thick', '加厚'), w('Eco Friendly', '环保')],
    attributes: { color: ['purple', 'blue', 'pink', 'green', 'black'], material: ['tpe', 'rubber'] },
    count: 26,
  },
  {
    path: ['Sports', 'Fitness', 'Dumbbells'],
    nouns: [w('Dumbbells', '哑铃'), w('Adjustable Dumbbells', '可调节哑铃'), w('Kettlebell', '壶铃')],
    brands: ['decathlon', 'ironpeak'],
    price: [15, 249],
    features: [w('Rubber Coated', '包胶'), w('Home Gym', '家用'), w('Pair', '一对')],
    attributes: { color: ['black', 'grey'], weight: ['2kg', '5kg', '10kg', '20kg'] },
    count: 24,
  },
  {
    path: ['Sports', 'Cycling', 'Bike Helmets'],
    nouns: [w('Bike Helmet', '骑行头盔'), w('Mountain Bike Helmet', '山地车头盔'), w('Kids Bike Helmet', '儿童头盔')],
    brands: ['decathlon', 'trailhawk', 'ironpeak'],
    price: [19, 129],
    features: [w('Ventilated', '透气'), w('Lightweight', '轻量'), w('With Rear Light', '带尾灯')],
    attributes: { color: ['black', 'white', 'red', 'blue'], size: ['S', 'M', 'L'] },
    count: 22,
  },
  {
    path: ['Sports', 'Ball Sports', 'Basketballs'],
    nouns: [w('Basketball', '篮球'), w('Outdoor Basketball', '室外篮球'), w('Indoor Basketball', '室内篮球')],
    brands: ['nike', 'lining', 'anta', 'decathlon'],
    price: [15, 69],
    features: [w('Official Size 7', '7号球'), w('Grippy', '防滑'), w('Durable', '耐磨')],
    attributes: { color: ['orange', 'black'], material: ['rubber', 'leather'] },
    count: 22,
  },
  {
    path: ['Toys', 'Building Blocks'],
    nouns: [w('Building Blocks Set', '积木'), w('Brick Set', '拼装积木'), w('Construction Kit', '拼插玩具')],
    brands: ['lego', 'brickly'],
    price: [12, 199],
    features: [w('Creative', '创意'), w('City', '城市'), w('Space', '太空')],
    attributes: {},
    count: 28,
  },
  {
    path: ['Toys', 'Plush Toys'],
    nouns: [w('Plush Toy', '毛绒玩具'), w('Teddy Bear', '泰迪熊'), w('Stuffed Animal', '公仔')],
    brands: ['cuddlebug', 'brickly'],
    price: [8, 49],
    features: [w('Soft', '柔软'), w('Giant', '大号'), w('Cute', '可爱')],
    attributes: { color: ['brown', 'pink', 'white', 'grey'] },
    count: 24,
  },
  {
    path: ['Toys', 'Remote Control Cars'],
    nouns: [w('Remote Control Car', '遥控车'), w('RC Truck', '遥控越野车'), w('Drift Car', '漂移车')],
    brands: ['zoomrider', 'brickly'],
    price: [19, 149],
    features: [w('High Speed', '高速'), w('Rechargeable', '可充电'), w('All Terrain', '全地形')],
    attributes: { color: ['red', 'blue', 'yellow', 'green'] },
    count: 22,
  },
  {
    path: ['Groceries', 'Coffee & Tea', 'Coffee Beans'],
    nouns: [w('Coffee Beans', '咖啡豆'), w('Ground Coffee', '咖啡粉'), w('Espresso Beans', '意式咖啡豆')],
    brands: ['morningbean', 'greenhill'],
    price: [8, 39],
    features: [w('Arabica', '阿拉比卡'), w('Single Origin', '单一产地'), w('Fresh Roasted', '新鲜烘焙')],
    attributes: { roast: ['light', 'medium', 'dark'] },
    count: 26,
  },
  {
    path: ['Groceries', 'Coffee & Tea', 'Green Tea'],
    nouns: [w('Green Tea', '绿茶'), w('Jasmine Tea', '茉莉花茶'), w('Loose Leaf Green Tea', '散装绿茶')],
    brands: ['greenhill', 'morningbean'],
    price: [6, 49],
    features: [w('Spring Harvest', '明前'), w('Organic', '有机'), w('Premium', '特级')],
    attributes: {},
    count: 22,
  },
  {
    path: ['Groceries', 'Dairy', 'Milk'],
    nouns: [w('Whole Milk', '全脂牛奶'), w('Skim Milk', '脱脂牛奶'), w('Organic Milk', '有机牛奶')],
    brands: ['yili', 'greenhill'],
    price: [2, 19],
    features: [w('Family Pack', '家庭装'), w('High Protein', '高蛋白'), w('Fresh', '新鲜')],
    attributes: {},
    count: 22,
  },
  {
    path: ['Groceries', 'Fresh Fruit', 'Apples'],
    nouns: [w('Fuji Apples', '红富士苹果'), w('Green Apples', '青苹果'), w('Fresh Apples', '新鲜苹果')],
    brands: ['greenhill'],
    price: [3, 25],
    features: [w('Crisp', '脆甜'), w('Gift Box', '礼盒装'), w('Farm Fresh', '产地直发')],
    attributes: {},
    count: 24,
  },
  {
    path: ['Groceries', 'Snacks', 'Nuts'],
    nouns: [w('Mixed Nuts', '每日坚果'), w('Roasted Almonds', '烤杏仁'), w('Cashews', '腰果')],
    brands: ['squirrels', 'greenhill'],
    price: [4, 35],
    features: [w('Lightly Salted', '淡盐'), w('Snack Pack', '小包装'), w('No Added Sugar', '无添加糖')],
    attributes: {},
    count: 24,
  },
  {
    path: ['Bags', 'Backpacks'],
    nouns: [w('Backpack', '双肩包'), w('Laptop Backpack', '电脑双肩包'), w('Hiking Backpack', '登山包')],
    brands: ['trailpack', 'urbanite', 'northpeak', 'decathlon'],
    price: [19, 159],
    features: [w('Water Resistant', '防泼水'), w('Large Capacity', '大容量'), w('Anti-Theft', '防盗')],
    attributes: { color: ['black', 'grey', 'navy', 'green'], material: ['nylon', 'polyester', 'canvas'] },
    count: 28,
  },
  {
    path: ['Bags', 'Handbags'],
    nouns: [w('Handbag', '手提包'), w('Tote Bag', '托特包'), w('Crossbody Bag', '斜挎包')],
    brands: ['urbanite', 'linenloom'],
    price: [25, 199],
    features: [w('Genuine Leather', '头层牛皮'), w('Minimalist', '简约'), w('Large', '大号')],
    attributes: { color: ['black', 'brown', 'beige', 'red', 'white'], material: ['leather', 'canvas'] },
    count: 24,
  },
];

const DESCRIPTIONS = {
  en: [
    'A dependable everyday pick, made to last and easy to care for.',
    'Designed for comfort and built for daily use.',
    'Thoughtful details and a clean design that fits any routine.',
    'Tested for quality, backed by a one-year warranty.',
    'Great value for the price, loved for its simple design.',
  ],
  zh: ['做工扎实，日常使用放心。', '舒适耐用，适合每天使用。', '设计简洁，细节用心。', '品质检验，一年质保。', '性价比高，简单好用。'],
};

/** Uniform numbers in [0, 1) from a seed: the same sequence on every run. */
function prng(seed: number): () => number {
  return seededRandom(seed).next;
}

const random = prng(20240605);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];

function priceIn([min, max]: [number, number]): number {
  const raw = min + random() * (max - min);
  // Shop-like endings: 49.9, 129, 19.99.
  const ending = pick([0.99, 0.9, 0]);
  return Math.max(1, Math.floor(raw) + ending);
}

function titleOf(lang: Lang, brand: Brand, feature: Word, noun: Word, attributes: Record<string, string>): string {
  const color = attributes['color'];
  const gender = attributes['gender'] ? GENDERS[attributes['gender']] : undefined;
  const material = attributes['material'];
  const extras: string[] = [];
  const storage = attributes['storage'] ?? attributes['capacity'] ?? attributes['weight'];
  if (storage) extras.push(storage);
  if (lang === 'en') {
    const parts = [brand.en, feature.en, gender?.en, noun.en].filter(Boolean).join(' ');
    const tail = [color ? capitalize(color) : undefined, material && random() < 0.5 ? (material === 'tpe' ? 'TPE' : capitalize(material)) : undefined, ...extras].filter(Boolean);
    return tail.length > 0 ? `${parts}, ${tail.join(', ')}` : parts;
  }
  if (lang === 'zh') {
    const tail = [color ? COLORS[color] : undefined, material && random() < 0.5 ? MATERIALS[material] : undefined, ...extras].filter(Boolean);
    return [brand.zh ?? brand.en, `${gender?.zh ?? ''}${feature.zh}${noun.zh}`, ...tail].join(' ');
  }
  const tail = [color ? COLORS[color] : undefined, ...extras].filter(Boolean);
  return [brand.en, brand.zh, feature.en, noun.en, `${gender?.zh ?? ''}${noun.zh}`, ...tail].filter(Boolean).join(' ');
}

function capitalize(text: string): string {
  return text.replace(/\b[a-z]/g, (c) => c.toUpperCase());
}

function generate(): Product[] {
  const products: Product[] = [];
  let serial = 0;
  for (const category of CATEGORIES) {
    for (let i = 0; i < category.count; i++) {
      serial++;
      const brand = BRANDS[pick(category.brands)];
      const noun = pick(category.nouns);
      const feature = pick(category.features);
      const attributes: Record<string, string> = {};
      for (const [key, values] of Object.entries(category.attributes)) if (values) attributes[key] = pick(values);
      // Titles: English 40%, Chinese 35%, bilingual 25%.
      const r = random();
      const lang: Lang = r < 0.4 ? 'en' : r < 0.75 ? 'zh' : 'bi';
      const title = titleOf(lang, brand, feature, noun, attributes);
      const description = lang === 'zh' ? pick(DESCRIPTIONS.zh) : pick(DESCRIPTIONS.en);
      products.push(
        create(ProductSchema, {
          id: `demo-${String(serial).padStart(4, '0')}`,
          title,
          description,
          brand: brand.en,
          categoryPath: category.path,
          price: priceIn(category.price),
          currency: 'USD',
          attributes,
          inStock: random() < 0.9,
        }),
      );
    }
  }
  return products;
}

if (require.main === module) {
  const products = generate();
  const out = join(__dirname, 'products.jsonl');
  writeFileSync(out, products.map((p) => toJsonString(ProductSchema, p)).join('\n') + '\n');
  console.log(`wrote ${products.length} products to ${out}`);
}
