/**
 * (query, relevant product, unrelated product) triples written for the semantic test: for
 * each, the relevant product must be closer to the query than the unrelated one. English,
 * Chinese and a few cross-language pairs.
 */
export const SEMANTIC_TRIPLES: readonly [query: string, relevant: string, unrelated: string][] = [
  ['running shoes', 'Lightweight breathable mesh running sneakers for men', 'Stainless steel kitchen knife set with wooden block'],
  ['wireless headphones', 'Bluetooth over-ear headphones with noise cancellation', 'Organic cotton bath towel, 70 x 140 cm'],
  ['coffee maker', 'Programmable drip coffee machine with 12-cup glass carafe', 'Kids waterproof rain boots with cartoon print'],
  ['laptop backpack', 'Water-resistant backpack with padded 15.6 inch laptop compartment', 'Ceramic flower pot with drainage hole'],
  ['dog food', 'Grain-free dry kibble for adult dogs, chicken recipe, 5 kg', 'USB-C charging cable, braided, 2 m'],
  ['yoga mat', 'Non-slip 6 mm exercise mat for yoga and pilates', 'Cast iron skillet, 26 cm, pre-seasoned'],
  ['phone case iphone', 'Shockproof silicone cover for iPhone 15 with raised edges', 'Garden hose with adjustable spray nozzle, 15 m'],
  ['winter jacket women', "Women's hooded down puffer coat, warm and windproof", 'Electric screwdriver with 30 bits'],
  ['baby stroller', 'Foldable lightweight pushchair for infants with sun canopy', 'Mechanical gaming keyboard with RGB backlight'],
  ['desk lamp', 'LED table light with adjustable arm and dimmer for reading', 'Frozen shrimp, peeled, 500 g'],
  ['microscope', 'Compound laboratory microscope, 40x-1000x magnification, LED illumination', 'Leather wallet for men with coin pocket'],
  ['soldering iron', 'Temperature-controlled soldering station for electronics repair', 'Scented soy candle, lavender'],
  ['跑步鞋', '男士透气网面运动跑鞋 轻便减震', '不锈钢保温杯 500毫升'],
  ['蓝牙耳机', '无线降噪头戴式蓝牙耳机 长续航', '儿童益智积木玩具 100块'],
  ['咖啡机', '全自动家用意式咖啡机 带奶泡功能', '女士真皮单肩包'],
  ['手机壳', '苹果手机硅胶防摔保护壳', '有机大米 5公斤'],
  ['羽绒服 女', '女款连帽保暖羽绒外套 冬季加厚', '电动螺丝刀套装 带30个批头'],
  ['婴儿推车', '可折叠轻便婴儿手推车 带遮阳篷', '机械游戏键盘 RGB背光'],
  ['台灯', 'LED护眼书桌台灯 可调光', '冷冻虾仁 500克'],
  ['狗粮', '成犬无谷天然狗粮 鸡肉味 5公斤', 'USB数据线 编织 2米'],
  ['running shoes', '男士透气网面运动跑鞋 轻便减震', '不锈钢保温杯 500毫升'],
  ['蓝牙耳机', 'Bluetooth over-ear headphones with noise cancellation', 'Organic cotton bath towel, 70 x 140 cm'],
];
