/**
 * Built-in synonyms: general shopping vocabulary in English and Chinese, true of any catalog
 * (catalog-specific ones are mined from the catalog, store-specific ones go in
 * QU_SYNONYMS_FILE). Same format as that file. Turned off with QU_BUILTIN_SYNONYMS=false.
 */
export const DEFAULT_SYNONYMS = `
# Electronics
headphones, headphone, earphones, earbuds, 耳机
earbuds, wireless earbuds, 无线耳机, 蓝牙耳机
phone, smartphone, mobile phone, cell phone, 手机, 智能手机
phone case, phone cover, 手机壳, 手机套
laptop, notebook computer, 笔记本电脑, 笔记本
mouse, 鼠标
keyboard, 键盘
speaker, 音箱, 音响
smartwatch, smart watch, 智能手表
fitness tracker, 运动手环, 手环
charger, 充电器
power bank, portable charger, 充电宝, 移动电源
cable, 数据线

# Shoes and clothing
sneakers, trainers, 运动鞋
running shoes, 跑鞋, 跑步鞋
boots, 靴子
sandals, 凉鞋
slippers, slides, 拖鞋
t-shirt, tshirt, t shirt, tee, t恤
hoodie, sweatshirt, 卫衣
jacket, 夹克, 外套
down jacket, puffer jacket, 羽绒服
dress, 连衣裙
jeans, 牛仔裤
backpack, 双肩包, 背包
handbag, purse, 手提包, 包包

# Home and kitchen
frying pan, skillet, 平底锅, 煎锅
wok, 炒锅
vacuum flask, thermos, insulated bottle, 保温杯
kettle, electric kettle, 电热水壶, 烧水壶
rice cooker, 电饭煲, 电饭锅
pillow, 枕头

# Beauty
lipstick, 口红
face cream, moisturizer, moisturiser, 面霜
shampoo, 洗发水

# Sports and toys
yoga mat, 瑜伽垫
dumbbell, dumbbells, 哑铃
helmet, 头盔
basketball, 篮球
building blocks, bricks, 积木
plush toy, stuffed animal, soft toy, 毛绒玩具
remote control car, rc car, 遥控车

# Groceries
coffee beans, 咖啡豆
green tea, 绿茶
milk, 牛奶
nuts, 坚果
`;
